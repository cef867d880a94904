import { GATEWAY_ENDPOINTS, teardownMatrix } from './matrix.js';

teardownMatrix(GATEWAY_ENDPOINTS);
