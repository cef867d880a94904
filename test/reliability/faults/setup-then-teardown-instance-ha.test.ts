import { INSTANCE_HA, setupThenTeardownMatrix } from './matrix.js';

setupThenTeardownMatrix(INSTANCE_HA);
