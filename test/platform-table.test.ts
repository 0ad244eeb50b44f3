/**
 * The README's platform table (issue 15): per sidecar configuration and platform, what is
 * honoured, warned about or refused. See test/platform-table.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Outcome, PLATFORMS, ROWS, SECTION, compareTable, outcomes, parseCell, parseTable } from './platform-table';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('the README\'s table of what each platform honours, warns about or refuses', () => {
  const now = outcomes();

  test('is well-formed, and each cell says what the composition does now', () => {
    const { rows, problems } = parseTable(README);
    expect(problems).toEqual([]);
    expect(compareTable(rows, ROWS, now)).toEqual([]);
  });

  test('where a refused cell names a binder option as the fix, that option lifts the refusal', () => {
    const lifted = outcomes(ROWS, true);
    const still: string[] = [];
    ROWS.forEach((row, i) => PLATFORMS.forEach((platform, j) => {
      const before = now[i][j]!;
      const after = lifted[i][j];
      if (!after) { return; }
      if (before.status !== 'refused') { still.push(`${row.sidecar} | ${row.configuration} | ${platform}: an alternative for a cell that is not refused`); }
      if (after.status === 'refused') { still.push(`${row.sidecar} | ${row.configuration} | ${platform}: still refused: ${after.messages[0]}`); }
    }));
    expect(still).toEqual([]);
    expect(lifted.flat().filter(x => x !== undefined).length).toBeGreaterThan(0);
  });

  test('each refusal names the sidecar\'s construct path first, warnings name a construct', () => {
    // The messages are the catalogue's: a refusal starts with the path of the sidecar (or of the pod).
    for (const row of now) {
      for (const o of row) {
        for (const m of o!.messages) { expect(m).toMatch(/^[a-zA-Z][\w/-]*: /); }
      }
    }
  });

  test('the check itself: a changed status, a changed error code, a malformed cell and a missing or extra row are each reported', () => {
    const { rows } = parseTable(README);
    const flip = (s: string) => (s === 'honoured' ? 'warned: x' : 'honoured');
    const first = rows[0];
    // The first row's Kubernetes cell flipped, its ACI refusal given another code, the last row dropped, one made up.
    const edited = README
      .replace(/^(\| `EnvoySidecar` \| defaults[^|]*\| )honoured \(iptables init container\)/m, `$1${flip('honoured')}`)
      .replace(/^(\| `EnvoySidecar` \| defaults[^|]*\|[^|]*\|[^|]*\| refused: `)UNSUPPORTED_ON_PLATFORM/m, '$1MISSING_SETTING')
      .replace(/^\| `Sidecar` \| `\$\(VAR\)`.*\n/m, '| `Sidecar` | made up | honoured | honoured | honoured | honoured | honoured |\n');
    expect(edited).not.toEqual(README);
    const parsed = parseTable(edited);
    expect(parsed.problems).toEqual([]);
    const problems = compareTable(parsed.rows, ROWS, now);
    expect(problems).toEqual([
      expect.stringContaining(`${first.sidecar} | ${first.configuration} | Kubernetes: the README says warned, the composition is honoured`),
      expect.stringContaining(`${first.sidecar} | ${first.configuration} | ACI: the README says refused MISSING_SETTING, the composition is refused UNSUPPORTED_ON_PLATFORM`),
      `${ROWS[ROWS.length - 1].sidecar} | ${ROWS[ROWS.length - 1].configuration}: a row of the test missing from the README`,
      'Sidecar | made up: a row of the README the test does not build',
    ]);
    expect(parseCell('refused: no code')).toEqual(expect.stringContaining('is none of'));
    expect(parseCell('warned')).toEqual(expect.stringContaining('is none of'));
    expect(parseCell('refused: `INVALID_PORT`, fix it')).toEqual({ status: 'refused', code: 'INVALID_PORT' });
    expect(parseTable(README.replace(SECTION, '## Something else')).problems).toEqual([`no section "${SECTION}"`]);
  });

  test('the rows cover every built-in sidecar and each status', () => {
    const sidecars = new Set(ROWS.map(r => r.sidecar));
    for (const s of ['EnvoySidecar', 'VaultAgentSidecar', 'FluentBitSidecar', 'OpaSidecar', 'OtelCollectorSidecar', 'DaprSidecar', 'XRayDaemonSidecar', 'Sidecar']) {
      expect(sidecars).toContain(s);
    }
    const statuses = new Set(now.flat().map(o => (o as Outcome).status));
    expect([...statuses].sort()).toEqual(['honoured', 'refused', 'warned']);
  });
});
