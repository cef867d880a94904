import { REGIONAL, teardownMatrix } from './matrix.js';

teardownMatrix(REGIONAL);
