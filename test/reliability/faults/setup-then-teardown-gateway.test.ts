import { GATEWAY, setupThenTeardownMatrix } from './matrix.js';

setupThenTeardownMatrix(GATEWAY);
