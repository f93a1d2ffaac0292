// writes native/kernels.gen.h and native/addon.gen.h from the kernel manifest (src/backend/manifest.ts),
// through the compiled dist/ (npm run gen:kernels compiles first)
import { writeFileSync } from 'node:fs';
import { GENERATED_FILES } from '../dist/src/backend/native/codegen.js';

for (const f of GENERATED_FILES) {
  writeFileSync(f.path, f.render());
  console.log(`wrote ${f.path}`);
}
