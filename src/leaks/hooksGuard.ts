// Python source shared by the leak census and the native-call watch: turning their hooks (tracemalloc, the profile
// hook) off, and a guard thread that does it on its own when the debugger's client goes away (issue 18).

// Why a guard in the debuggee: an attach session ends by `disconnect`, and neither VS Code (a DebugAdapterTracker only
// observes) nor a dropped connection gives the host a stop to evaluate in first; the program then runs on without
// a debugger, and the hooks would slow it until it exits. The guard polls debugpy.is_client_connected() four times a
// second while hooks are on, turns them off once no client is connected, and ends; it ends too once the host turned
// them off itself. It is marked as a debugger thread so that debugpy neither stops nor lists it.
export const HOOKS_GUARD_SOURCE = String.raw`
def _arraylens_hooks_off():
    import sys, threading
    state = sys.__dict__.pop('_arraylens_call_watch', None)
    sys.__dict__.pop('_arraylens_watched', None)
    removed = []
    if state is not None:
        state['live'].clear()
        if sys.getprofile() is state['prof']:
            sys.setprofile(None)
            removed.append('profile')
        if getattr(threading, 'getprofile', lambda: None)() is state['prof']:
            threading.setprofile(None)
    if sys.__dict__.pop('_arraylens_started_tracemalloc', False):
        import tracemalloc
        if tracemalloc.is_tracing():
            tracemalloc.stop()
            removed.append('tracemalloc')
    return ','.join(removed)


def _arraylens_hooks_guard():
    import sys, threading, time
    old = sys.__dict__.get('_arraylens_hooks_guard')
    if old is not None and old.is_alive():
        return
    connected = getattr(sys.modules.get('debugpy'), 'is_client_connected', None)
    if connected is None:
        return

    def hooks_on():
        if sys.__dict__.get('_arraylens_call_watch') is not None:
            return True
        tm = sys.modules.get('tracemalloc')
        return bool(sys.__dict__.get('_arraylens_started_tracemalloc')) and tm is not None and tm.is_tracing()

    def guard():
        sys.setprofile(None)
        try:
            while hooks_on():
                time.sleep(0.25)
                if not connected():
                    # Threads still carrying the profile hook drop it at their next event (state['live'] cleared).
                    _arraylens_hooks_off()
                    return
        except Exception:
            pass

    t = threading.Thread(target=guard, name='arraylens-hooks-guard', daemon=True)
    t.is_pydev_daemon_thread = True
    sys._arraylens_hooks_guard = t
    t.start()
`;
