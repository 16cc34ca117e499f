// The container recognisers, tried in order on a value's template type: one file per library.

import type { ContainerRecogniser } from '../describe';
import { napiTypedArray } from './napi';
import { ndarray } from './ndarray';
import { rustVec } from './rustVec';
import { eigen } from './eigen';
import { opencvMat, opencvMatx } from './opencv';
import { nalgebraMatrix, nalgebraPoint } from './nalgebra';
import { imageBuffer } from './image';
import { stdArray, stdVector } from './std';

export const CONTAINERS: readonly ContainerRecogniser[] = [stdVector, stdArray, napiTypedArray, ndarray, rustVec, eigen, opencvMat, opencvMatx, nalgebraMatrix, nalgebraPoint, imageBuffer];
