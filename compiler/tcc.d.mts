// The shape of emscripten's generated glue (tcc.mjs), as harness/compiler/tcc.ts uses it.
import type { TccFactory } from '../harness/compiler/tcc.ts';

declare const createTcc: TccFactory;
export default createTcc;
