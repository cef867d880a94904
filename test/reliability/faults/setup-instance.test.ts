import { INSTANCE, setupMatrix } from './matrix.js';

setupMatrix(INSTANCE);
