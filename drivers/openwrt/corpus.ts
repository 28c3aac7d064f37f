// The driver's parsers by the kind of raw answer they read, for the fixture corpus runner
// (test/drivers/corpus.test.ts): recorded answers + expected results, no code per firmware.
import { parseJsonText, parseInterfaceStatus, parseSystemBoard, parseUciExport, parseUciSection, parseUciShow, pickWanSection, toWanSettings } from './parse.js';

export const corpusParsers: Record<string, (raw: string) => unknown> = {
  /** `network.interface.<x> status` / `ifstatus <x>` JSON. */
  'interface-status': (raw) => parseInterfaceStatus(parseJsonText(raw, 'interface status')),
  /** `uci get {config:network, section:wan}` data, the WAN as routerctl reports it. */
  'uci-get-wan': (raw) => {
    const section = parseUciSection('wan', parseJsonText(raw, 'uci get'));
    return section ? toWanSettings(section) : null;
  },
  /** `uci show network` text. */
  'uci-show-wan': (raw) => toWanSettings(pickWanSection(parseUciShow(raw))),
  /** `uci export network` text. */
  'uci-export-wan': (raw) => toWanSettings(pickWanSection(parseUciExport(raw).sections)),
  /** `system board` JSON. */
  'system-board': (raw) => parseSystemBoard(parseJsonText(raw, 'system board')),
};
