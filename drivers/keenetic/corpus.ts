// The driver's parsers by the kind of raw answer they read, for the fixture corpus runner
// (test/drivers/corpus.test.ts): recorded answers + expected results, no code per firmware.
import { parseCliResult, parseCliShow, parseJsonText, parseSystem, parseVersion, statusError } from './parse.js';

export const corpusParsers: Record<string, (raw: string) => unknown> = {
  /** `GET /rci/show/version` JSON. */
  'show-version': (raw) => parseVersion(parseJsonText(raw, 'show version')),
  /** Telnet/SSH CLI `show version` text, read the way the CLI parser reads it. */
  'cli-show-version': (raw) => parseVersion(parseCliShow(raw)),
  /** `GET /rci/show/system` JSON. */
  'show-system': (raw) => parseSystem(parseJsonText(raw, 'show system')),
  /** CLI command result lines. */
  'cli-result': (raw) => parseCliResult(raw),
  /** An RCI reply whose status objects may carry an error: the typed error it becomes, or null. */
  'rci-status': (raw) => {
    const err = statusError(parseJsonText(raw, 'rci reply'), 'the command');
    return err ? { code: err.code, name: err.name } : null;
  },
};
