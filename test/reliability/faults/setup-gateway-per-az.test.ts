import { GATEWAY_PER_AZ, setupMatrix } from './matrix.js';

setupMatrix(GATEWAY_PER_AZ);
