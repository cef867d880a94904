import { REGIONAL, setupMatrix } from './matrix.js';

setupMatrix(REGIONAL);
