import { GATEWAY, setupMatrix } from './matrix.js';

setupMatrix(GATEWAY);
