import { INSTANCE_HA, teardownMatrix } from './matrix.js';

teardownMatrix(INSTANCE_HA);
