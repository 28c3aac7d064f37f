// PendingChange shapes every family shares. Routers that apply and save a write at once (Keenetic,
// MikroTik, ASUS) have nothing to confirm; their rollback writes the old values back exactly once.
import { RouterctlError } from '../src/core/errors.js';
import type { PendingChange } from './types.js';

/** The router already had the requested values: nothing to confirm, nothing to undo. */
export const NO_CHANGE: PendingChange = Object.freeze({
  autoRevertSeconds: undefined,
  confirm: async () => undefined,
  rollback: async () => undefined,
});

/**
 * A change the router saved as it was written. `undo` writes the previous values back and verifies
 * them (throwing restore_failed otherwise); `afterUndo` (a redial) runs once they are back, so a
 * failing redial does not make a second rollback write them again. Confirming after a rollback is an error.
 */
export function savedChange(undo: () => Promise<void>, afterUndo: () => Promise<void> = async () => undefined): PendingChange {
  let rolledBack = false;
  return {
    autoRevertSeconds: undefined,
    confirm: async () => {
      if (rolledBack) throw new RouterctlError('rolled_back', 'the change was already rolled back');
    },
    rollback: async () => {
      if (rolledBack) return;
      await undo();
      rolledBack = true;
      await afterUndo();
    },
  };
}
