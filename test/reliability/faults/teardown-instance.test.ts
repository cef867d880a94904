import { INSTANCE, teardownMatrix } from './matrix.js';

teardownMatrix(INSTANCE);
