// The 3D renderer as a script of its own (dist/avatar-vrm.js, ~700 KB with three.js): the page
// loads it only when a 3D avatar is chosen (avatar-stage.ts), so the SVG default costs nothing.
// It hands its factory to the page, as the syntax-highlighting language scripts do.
import type {} from '../avatar-stage';
import { createVrmRenderer } from './vrm-renderer';

window.__alisaVrmRenderer?.(createVrmRenderer);
