import { INSTANCE, setupThenTeardownMatrix } from './matrix.js';

setupThenTeardownMatrix(INSTANCE);
