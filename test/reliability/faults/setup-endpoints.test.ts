import { GATEWAY_ENDPOINTS, setupMatrix } from './matrix.js';

setupMatrix(GATEWAY_ENDPOINTS);
