import { GATEWAY, teardownMatrix } from './matrix.js';

teardownMatrix(GATEWAY);
