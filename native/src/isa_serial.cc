// The scalar reference kernels: always built with the baseline flags, always available.
#include "arraylens/histogram_serial.h"
#include "arraylens/moments_serial.h"
#include "arraylens/readsum_serial.h"
#include "arraylens/scan_serial.h"
#include "isa.h"

namespace arraylens {
const KernelTable kSerialKernels = {"serial", serial::moments, serial::histogram, serial::read_sum, nullptr, nullptr, nullptr, serial::scan};
}
