import { INSTANCE_HA, setupMatrix } from './matrix.js';

setupMatrix(INSTANCE_HA);
