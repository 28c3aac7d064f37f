// The engine's gc() for tests that must show a behaviour survives garbage collection, without
// starting node with --expose-gc.
import v8 from 'node:v8';
import vm from 'node:vm';

export function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
