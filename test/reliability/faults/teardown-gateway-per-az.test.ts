import { GATEWAY_PER_AZ, teardownMatrix } from './matrix.js';

teardownMatrix(GATEWAY_PER_AZ);
