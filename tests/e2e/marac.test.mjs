// The Marac in a real browser, with axe on every page: the police refer a victim with 15 yes
// answers; the coordinator sees the referral flagged as a possible repeat of the demo's
// referral of the same woman ten months ago, confirms it and lists it for the next meeting;
// a housing representative sees only that agenda and adds research; the chair records three
// actions for three agencies and closes the meeting; each agency sees only its own actions;
// and the quarter's data return counts the case as a repeat with its two children.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseCsv, readXlsx } from './files.mjs';
import { UUID, launch, checkA11y, pathOf, signedIn, go, fillPoliceReferral, submit, choose, assertNoNames } from './support.mjs';

const OFFICER = ['police-dao@demo.waymark.test', 'demo-caseworker-3-northmoor'];
const COORDINATOR = ['coordinator@demo.waymark.test', 'demo-marac-coordinator-4-northmoor'];
const HOUSING = ['housing-rep@demo.waymark.test', 'demo-agency-rep-5-northmoor'];
const CHAIR = ['police-rep@demo.waymark.test', 'demo-agency-rep-8-northmoor'];

// The demo's earlier referral (crates/cli/src/demo.rs, EARLIER_VICTIM): same name and date
// of birth, a different agency record.
const VICTIM = { given: 'Rowan', family: 'Testwell', dob: '1991-05-14' };
const PERPETRATOR = { given: 'Quinn', family: 'Fakeley' };
const CHILDREN = [
  { given: 'Kit', family: 'Testwell', dob: '2016-02-03' },
  { given: 'Umi', family: 'Testwell', dob: '2019-09-30' },
];
const ACTIONS = [
  { agency: 'Northmoor Police (demo)', text: 'Journey action: flag the address for an urgent response', purpose: 'victim' },
  { agency: 'Northmoor Housing (demo)', text: 'Journey action: fit a door alarm and consider a transfer', purpose: 'victim' },
  { agency: 'Northmoor Domestic Abuse Service (demo)', text: 'Journey action: Idva to review the safety plan with the children in mind', purpose: 'children' },
];
const RESEARCH = 'Journey research: joint tenancy; two reports of damage to the front door this year.';
const TIMEOUT = 240_000;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


/** The data return's figures, by label. */
async function figures(page) {
  const rows = await page.locator('#data-return tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th').textContent.trim(), Number(tr.querySelector('td').textContent.trim())]),
  );
  return Object.fromEntries(rows);
}

/** The data return's table as shown: [figure, number, share, unknown] per row, as text. */
async function tableRows(page) {
  return page.locator('#data-return tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th'), ...tr.querySelectorAll('td')].map((c) => c.textContent.trim())),
  );
}

const tenths = (t) => (t === null || t === undefined ? '' : `${Math.floor(t / 10)}.${t % 10}`);
const share = (label, s) => [label, String(s.count), s.percent_tenths === null ? '' : `${tenths(s.percent_tenths)}%`, String(s.unknown)];
const plain = (label, n) => [label, n === null || n === undefined ? '' : String(n), '', ''];

/**
 * The return's rows rebuilt from the JSON of `waymark report marac-return`, field by field, in
 * the order the page shows them; the agency rows are matched to the page by position, their
 * kinds being keys in the JSON and labels on the page.
 */
function rowsFromJson(v, pageRows) {
  const rows = [
    plain('Meetings', v.meetings.length),
    plain('Cases discussed', v.cases_discussed),
    share('Repeat cases', v.repeat_cases),
    plain('Children in the households', v.children),
    share('Referrals from agencies other than the police', v.non_police_referrals),
    share('Male victims', v.male_victims),
    share('Racially minoritised victims', v.racially_minoritised_victims),
    share('Disabled victims', v.disabled_victims),
    share('LGBT victims', v.lgbt_victims),
    share('Victims aged 16 or 17', v.victims_aged_16_17),
    share('Cases with a perpetrator aged 17 or under', v.perpetrators_17_or_under),
    plain('Days in the period', v.days_in_period),
    plain('Cases a year at this rate (cases discussed × 365 ÷ days in the period)', v.annualised_cases),
    plain('Adult female population', v.adult_females),
    plain('Cases a year per 10,000 adult females', v.coverage ? tenths(v.coverage.per_10k_tenths) : null),
    plain('Recommended cases a year per 10,000 adult females', v.recommended_per_10k),
    plain('Recommended cases a year for this population', v.coverage?.recommended_cases),
  ];
  let i = rows.length;
  for (const [, n] of v.referrals_by_agency) {
    rows.push(plain(pageRows[i]?.[0], n));
    i += 1;
  }
  for (const a of v.attendance) {
    const label = pageRows[i]?.[0] ?? '';
    assert.equal(label.endsWith(' (not a member)'), !a.member, `${label}: marked apart exactly when not a member`);
    rows.push([label, String(a.attended), a.percent_tenths === null ? '' : `${tenths(a.percent_tenths)}%`, '']);
    i += 1;
  }
  return rows;
}

/** Accepts the meeting's confidentiality statement if it is asked for. */
async function acceptConfidentiality(page, visited) {
  const box = page.getByLabel('I accept the confidentiality statement');
  if (await box.count()) {
    await checkA11y(page, 'confidentiality statement', visited);
    await box.check();
    await submit(page, 'Continue to the agenda');
  }
  await checkA11y(page, 'meeting agenda', visited);
}

describe('the Marac', () => {
  test('referral, repeat, agenda, research, actions and the data return', { timeout: TIMEOUT }, async () => {
    const seen = [];
    let caseId;
    let meetingPath;
    let returnPath;
    let before;
    // 1. The police refer: a new case with a Dash of 15 yes answers, then the Marac referral.
    {
      const s = await signedIn(browser, OFFICER);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, '/referrals/new', 'new referral (police)');
      await fillPoliceReferral(page, { victim: VICTIM, perpetrator: PERPETRATOR, children: CHILDREN });
      // The demo's earlier referral of the same woman is offered as a possible match, with
      // why, before the Dash; the officer leaves the decision to the coordinator.
      await submit(page, 'Save referral and continue to the Dash', new RegExp(`/cases/${UUID}/matches\\?after=referral$`));
      caseId = pathOf(page).split('/')[2];
      await checkA11y(page, 'possible matches after the referral', visited);
      assert.match(await page.locator('.govuk-notification-banner').innerText(), /Referral saved as case WM-/);
      const earlier = page.locator('.govuk-summary-card').filter({ hasText: `${VICTIM.given} ${VICTIM.family} (victim on case` });
      assert.equal(await earlier.count(), 1, 'the earlier referral of the same woman is offered');
      assert.match(await earlier.innerText(), /Date of birth/);
      await Promise.all([
        page.waitForURL(new RegExp(`/cases/${caseId}/dash/new$`)),
        page.getByRole('button', { name: 'Continue to the Dash risk checklist' }).click(),
      ]);
      await checkA11y(page, 'Dash form', visited);
      for (let n = 1; n <= 24; n += 1) await page.locator(n <= 15 ? `#q${n}` : `#q${n}-no`).check();
      await page.locator('#abuse_incidents_last_12_months').fill('3');
      await submit(page, 'Save and see the decision', new RegExp(`/cases/${caseId}/dash/${UUID}`));
      await checkA11y(page, 'Dash decision', visited);
      // The decision leads with the next step.
      assert.equal(await page.locator('#marac-next-step').getByRole('button', { name: 'Refer to the Marac' }).count(), 1, 'the decision page offers the referral');

      await go(page, visited, `/cases/${caseId}`, 'case page before the Marac referral');
      await Promise.all([page.waitForURL(/marac-referral\/new$/), page.locator('#marac-next-step').getByRole('button', { name: 'Refer to the Marac' }).click()]);
      await checkA11y(page, 'Marac referral form', visited);
      // Nothing chosen for consent: the form says so and saves nothing.
      await page.locator('#reason').fill('');
      await submit(page, 'Send the referral');
      assert.equal(visited.lastStatus, 422, 'a referral without a reason is refused');
      await checkA11y(page, 'Marac referral form (errors)', visited, { status: 422 });
      const refusal = await page.locator('.govuk-error-summary').innerText();
      assert.match(refusal, /reason for referral/i);
      // The equality questions cannot be left blank: each is named, with the way to say "not known".
      for (const q of [/racially minoritised/, /disability/, /lesbian, gay, bisexual or trans/]) assert.match(refusal, q);
      assert.match(refusal, /not known if the victim declined to say/);
      await choose(page, 'consent', 'given');
      await choose(page, 'victim_aware', 'yes');
      await page.locator('#reason').fill('Strangled last week; threats to kill; separation in progress.');
      await page.locator('#victim_wants').fill('To stay in her home safely.');
      await choose(page, 'victim_racially_minoritised', 'no');
      await submit(page, 'Send the referral');
      assert.equal(visited.lastStatus, 422, 'two equality questions still blank');
      await checkA11y(page, 'Marac referral form (equality questions blank)', visited, { status: 422 });
      const blanks = await page.locator('.govuk-error-summary').innerText();
      assert.doesNotMatch(blanks, /racially minoritised/);
      assert.match(blanks, /disability/);
      await choose(page, 'victim_disabled', 'not_known');
      await choose(page, 'victim_lgbt', 'no');
      assert.match(blanks, /victim's gender/);
      await choose(page, 'victim_gender', 'female');
      await submit(page, 'Send the referral', new RegExp(`/cases/${caseId}$`));
      await checkA11y(page, 'case page after the Marac referral', visited);
      assert.match(await page.locator('main').innerText(), /Waiting for screening/);
      // Once referred, the case page shows the referral's state instead of the button.
      assert.match(await page.locator('#marac-next-step').innerText(), /Referred to .* Waiting for screening/);
      assert.equal(await page.getByRole('button', { name: 'Refer to the Marac' }).count(), 0, 'no second referral offered');
      await s.context.close();
    }

    // 2. The coordinator sees a possible repeat, confirms it and accepts the referral.
    {
      const s = await signedIn(browser, COORDINATOR);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, '/marac', 'Marac overview (coordinator)');
      await go(page, visited, '/marac/referrals', 'referrals to screen');
      const row = page.getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` }).filter({ hasText: 'Northmoor Police (demo)' }).last();
      assert.match(await row.innerText(), /Possible repeat/);
      await Promise.all([page.waitForURL(new RegExp(`/marac/referrals/${UUID}$`)), row.getByRole('link').click()]);
      await checkA11y(page, 'screen a referral', visited);
      const earlier = new Date(Date.now() - 300 * 86_400_000);
      const group = page.getByRole('group', { name: 'Is this a repeat referral?' });
      const repeatOption = group.getByLabel(/^Repeat of the referral on/);
      assert.equal(await repeatOption.count(), 1, 'one earlier referral is offered');
      assert.match(await group.innerText(), new RegExp(`${earlier.getUTCFullYear()}`));
      assert.match(await group.innerText(), /same name and date of birth/);
      await repeatOption.check();
      await choose(page, 'decision', 'accept');
      await submit(page, 'Save the decision', /\/marac\/referrals$/);
      await checkA11y(page, 'referrals to screen (after)', visited);

      // The case is listed for the next meeting with room; publish its agenda.
      await go(page, visited, '/marac', 'Marac overview (after screening)');
      const links = page.getByRole('table', { name: 'Meetings' }).getByRole('link');
      let found = false;
      // Newest first: the case goes to the next meeting with room.
      const hrefs = (await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).reverse();
      for (const href of hrefs) {
        await go(page, visited, href, 'meeting');
        await acceptConfidentiality(page, visited);
        if (await page.getByRole('table', { name: /Agenda/ }).getByText(`${VICTIM.given} ${VICTIM.family}`).count()) {
          meetingPath = href;
          found = true;
          break;
        }
      }
      assert.ok(found, 'the case is on an agenda');
      const agenda = page.getByRole('table', { name: /Agenda/ });
      const caseRow = agenda.getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` });
      assert.match(await caseRow.innerText(), /Repeat/);
      assert.match(await caseRow.innerText(), /\b2\b/, 'two children shown on the agenda');
      // Publishing is asked first, and says what it does.
      await submit(page, 'Publish the agenda', new RegExp(`${meetingPath}/publish$`));
      await checkA11y(page, 'publish the agenda? (confirmation)', visited);
      assert.equal(await page.locator('h1').innerText(), 'Publish the agenda?');
      assert.match(await page.locator('#confirm-cases').innerText(), /\d+ cases? on the agenda/);
      await submit(page, 'Yes, publish the agenda', new RegExp(`${meetingPath}\\?saved=published$`));
      assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Agenda published');
      await checkA11y(page, 'meeting (published)', visited);
      assert.match(await page.locator('main').innerText(), /Agenda published/);
      // The quarter's data return before the meeting is closed.
      await Promise.all([page.waitForURL(/\/marac\/returns\//), page.getByRole('link', { name: "Data return for this meeting's quarter" }).click()]);
      await checkA11y(page, 'data return (before)', visited);
      returnPath = pathOf(page) + new URL(page.url()).search;
      before = await figures(page);
      await s.context.close();
    }

    // 3. Housing: sees only this agenda's cases, and adds research.
    let agendaCases;
    {
      const s = await signedIn(browser, HOUSING);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, '/marac', 'Marac overview (housing)');
      await go(page, visited, meetingPath, 'meeting (housing)');
      await acceptConfidentiality(page, visited);
      const agenda = page.getByRole('table', { name: /Agenda/ });
      agendaCases = await agenda.locator('tbody tr').count();
      assert.ok(agendaCases >= 1);
      // The full case record stays closed to a representative.
      const res = await page.goto(`/cases/${caseId}`);
      assert.equal(res.status(), 404, 'agenda access never opens the case record');
      await go(page, visited, meetingPath, 'meeting (housing, again)');
      await Promise.all([
        page.waitForURL(new RegExp(`/marac/hearings/${UUID}$`)),
        page.getByRole('table', { name: /Agenda/ }).getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` }).getByRole('link').first().click(),
      ]);
      await checkA11y(page, 'case at the Marac (housing)', visited);
      await page.getByLabel("Your agency's research").fill(RESEARCH);
      await submit(page, 'Save your research');
      await checkA11y(page, 'case at the Marac (housing, saved)', visited);
      assert.match(await page.locator('main').innerText(), /joint tenancy/);
      await s.context.close();
    }

    // 4. The chair: minutes, three actions for three agencies, attendance, close.
    {
      const s = await signedIn(browser, CHAIR);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, meetingPath, 'meeting (chair)');
      await acceptConfidentiality(page, visited);
      const agenda = page.getByRole('table', { name: /Agenda/ });
      assert.equal(await agenda.locator('tbody tr').count(), agendaCases, 'housing saw the whole agenda, no more');
      await Promise.all([
        page.waitForURL(new RegExp(`/marac/hearings/${UUID}$`)),
        agenda.getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` }).getByRole('link').first().click(),
      ]);
      const hearingPath = pathOf(page);
      await checkA11y(page, 'case at the Marac (chair)', visited);
      assert.match(await page.locator('main').innerText(), /joint tenancy/, 'the chair sees housing research');
      await page.getByLabel('Discussion').fill('Agencies agree the risk is very high; separation is recent.');
      await page.getByLabel('Risks to the victim').fill('Further strangulation; stalking.');
      await page.getByLabel('Risks to the children').fill('Witnessing abuse.');
      await submit(page, 'Save the minutes', new RegExp(`${hearingPath}$`));
      await checkA11y(page, 'case at the Marac (minutes saved)', visited);
      // An action with no owner is refused and saves nothing.
      await page.getByLabel('Action', { exact: true }).fill('An action with no agency');
      await submit(page, 'Add the action');
      assert.equal(visited.lastStatus, 422);
      await checkA11y(page, 'case at the Marac (action errors)', visited, { status: 422 });
      const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      for (const a of ACTIONS) {
        await page.getByLabel('Action', { exact: true }).fill(a.text);
        await page.getByLabel('Agency that owns it').selectOption({ label: a.agency });
        await page.getByLabel('Due date').fill(due);
        await choose(page, 'purpose', a.purpose);
        await submit(page, 'Add the action', new RegExp(`${hearingPath}$`));
        await checkA11y(page, `case at the Marac (action for ${a.agency})`, visited);
      }
      const actionsTable = page.getByRole('table', { name: 'Actions' });
      assert.equal(await actionsTable.locator('tbody tr').count(), 3);
      await go(page, visited, meetingPath, 'meeting (chair, after actions)');
      await submit(page, 'Save attendance', new RegExp(`${meetingPath}\\?saved=attendance$`));
      assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Attendance saved');
      await checkA11y(page, 'meeting (attendance saved)', visited);
      // Any other case on the agenda needs an action or a decision before the meeting closes.
      const others = await page.getByRole('table', { name: /Agenda/ }).locator('tbody tr')
        .filter({ hasNotText: `${VICTIM.given} ${VICTIM.family}` }).locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (others.length) {
        await submit(page, 'Close the meeting', new RegExp(`${meetingPath}/close$`));
        await checkA11y(page, 'close the meeting? (confirmation, undecided cases)', visited);
        await submit(page, 'Yes, close the meeting');
        assert.equal(visited.lastStatus, 422, 'closing with undecided cases is refused');
        assert.match(await page.locator('main').innerText(), /has no actions and no recorded decision/);
        await checkA11y(page, 'meeting (close refused)', visited, { status: 422 });
      }
      for (const href of others) {
        await go(page, visited, href, 'another case at the Marac (chair)');
        await page.getByLabel('Decision, where no actions are agreed (optional)').fill('No further action: the risk is managed by the agencies involved.');
        await submit(page, 'Save the minutes');
      }
      await go(page, visited, meetingPath, 'meeting (chair, before closing)');
      await submit(page, 'Close the meeting', new RegExp(`${meetingPath}/close$`));
      await checkA11y(page, 'close the meeting? (confirmation)', visited);
      assert.equal(await page.locator('h1').innerText(), 'Close the meeting?');
      await submit(page, 'Yes, close the meeting', new RegExp(`${meetingPath}\\?saved=meeting-closed$`));
      await checkA11y(page, 'meeting (closed)', visited);
      assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Meeting closed');
      assert.match(await page.locator('main').innerText(), /Closed/);
      await s.context.close();
    }

    // 5. Each agency sees only its own actions.
    for (const [who, mine, label] of [[HOUSING, 1, 'housing'], [CHAIR, 0, 'police'], [COORDINATOR, 2, 'Idva service']]) {
      const s = await signedIn(browser, who);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, '/marac/actions', `Marac actions (${label})`);
      const text = await page.locator('main').innerText();
      for (const [i, a] of ACTIONS.entries()) {
        if (i === mine) assert.ok(text.includes(a.text), `${label} sees its own action`);
        else assert.ok(!text.includes(a.text), `${label} does not see ${a.agency}'s action`);
      }
      await s.context.close();
    }

    // 6. The quarter's data return now counts the case: one more case, one more repeat, two
    // more children, one more police referral.
    {
      const s = await signedIn(browser, COORDINATOR);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, returnPath, 'data return (after)');
      const after = await figures(page);
      assert.equal(after['Cases discussed'], before['Cases discussed'] + 1);
      assert.equal(after['Repeat cases'], before['Repeat cases'] + 1);
      assert.equal(after['Children in the households'], before['Children in the households'] + 2);
      assert.equal(after['Referrals from Police'], before['Referrals from Police'] + 1);
      const csv = await page.request.get(returnPath.replace(/(\/marac\/returns\/[^?]+)/, '$1/csv'));
      assert.equal(csv.status(), 200);
      const csvText = await csv.text();
      assert.match(csvText, new RegExp(`^Repeat cases,${after['Repeat cases']},`, 'm'));

      // The page, the CSV, the workbook and the command line's JSON agree figure for figure.
      const shown = await tableRows(page);
      assert.ok(shown.length > 20, 'the return has its rows');
      // The demo Marac's adult female population is set: coverage is on the page and in the table.
      assert.match(await page.locator('#coverage').innerText(), /per 10,000 adult females \(a population of 92000\)/);
      const coverageRow = shown.find((r) => r[0] === 'Cases a year per 10,000 adult females');
      assert.match(coverageRow?.[1] ?? '', /^\d+\.\d$/, 'coverage per 10,000 in the table');
      // Members only: the demo Marac's attendance lists no kind of agency marked apart, and none it has no member of.
      assert.ok(!shown.some((r) => r[0] === 'Meetings attended: Education'), 'education is not a member');
      const [csvHead, ...csvRows] = parseCsv(csvText);
      assert.deepEqual(csvHead, ['figure', 'count', 'percent', 'unknown']);
      assert.deepEqual(csvRows, shown, 'the CSV has the page\'s rows');
      const xlsxFile = await page.request.get(returnPath.replace(/(\/marac\/returns\/[^?]+)/, '$1/xlsx'));
      assert.equal(xlsxFile.status(), 200);
      const sheet = readXlsx(await xlsxFile.body());
      assert.equal(sheet.get(1)?.B?.text, 'Northmoor Marac (demo)');
      shown.forEach((row, i) => {
        const cells = sheet.get(5 + i) ?? {};
        assert.equal(cells.A?.text, row[0], `workbook row ${5 + i} is "${row[0]}"`);
        for (const [col, value] of [['B', row[1]], ['C', row[2]], ['D', row[3]]]) {
          const cell = cells[col];
          if (value === '') assert.ok(!cell || cell.text === '', `${row[0]} ${col}: blank`);
          else if (cell?.number !== undefined) assert.equal(cell.number, Number(value), `${row[0]} ${col}`);
          else assert.equal(cell?.text, value, `${row[0]} ${col}`);
        }
      });
      assert.equal(sheet.get(5 + shown.length), undefined, 'the workbook has no rows the page lacks');
      const maracIdOfReturn = returnPath.match(/\/marac\/returns\/([^/?]+)/)[1];
      const from = await page.getByLabel('From').inputValue();
      const to = await page.getByLabel('To').inputValue();
      const json = JSON.parse(execFileSync(process.env.WAYMARK_E2E_BIN, [
        '--data-dir', process.env.WAYMARK_E2E_DATA_DIR,
        'report', 'marac-return', '--marac', maracIdOfReturn, '--from', from, '--to', to, '--format', 'json',
      ], { encoding: 'utf8' }));
      assert.equal(json.from, from);
      assert.deepEqual(rowsFromJson(json, shown), shown, 'the JSON has the page\'s figures');
      // A period that runs backwards is put to the field that can fix it.
      await go(page, visited, `/marac/returns/${maracIdOfReturn}?from=${to}&to=${from}`, 'data return (period reversed)', 422);
      assert.equal(await page.locator('.govuk-error-summary a[href="#from"]').count(), 1, 'the error names the start of the period');
      assert.match(await page.locator('.govuk-error-summary').innerText(), /start of the period must be on or before its end/);

      // The meeting's printable minutes: the protective marking at the head and foot, and
      // the three actions the chair agreed.
      await go(page, visited, `${meetingPath}/minutes`, 'printable minutes');
      const minutes = await page.locator('body').innerText();
      assert.match(minutes, /OFFICIAL-SENSITIVE/);
      assert.equal(await page.locator('header.wm-marking, footer.wm-marking').count(), 2, 'the marking heads and foots the minutes');
      for (const a of ACTIONS) assert.ok(minutes.includes(a.text), `the minutes list "${a.text}"`);

      // Coverage, repeat rate and referrals over the last four quarters: a chart and a table each.
      const maracId = returnPath.match(/\/marac\/returns\/([^/?]+)/)[1];
      await go(page, visited, `/marac/returns/${maracId}/trend`, 'coverage over time');
      for (const id of ['trend-coverage', 'trend-repeat', 'trend-non-police']) {
        assert.equal(await page.locator(`table#${id} tbody tr`).count(), 4, `${id}: a row per quarter`);
      }
      assert.equal(await page.locator('svg[role="img"]').count(), 3, 'three charts');

      // The same return as a spreadsheet.
      const xlsx = await page.request.get(returnPath.replace(/(\/marac\/returns\/[^?]+)/, '$1/xlsx'));
      assert.equal(xlsx.status(), 200);
      assert.equal(xlsx.headers()['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.match(xlsx.headers()['content-disposition'], /^attachment; filename="marac-return-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx"$/);
      assert.equal((await xlsx.body()).subarray(0, 2).toString('latin1'), 'PK');
      await s.context.close();
    }

    // 7. The victim moves to Southmoor: the coordinator transfers the case with its history.
    {
      const s = await signedIn(browser, COORDINATOR);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, meetingPath, 'meeting (coordinator, closed)');
      await Promise.all([
        page.waitForURL(new RegExp(`/marac/hearings/${UUID}$`)),
        page.getByRole('table', { name: /Agenda/ }).getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` }).getByRole('link').first().click(),
      ]);
      const hearingPath = pathOf(page);
      await checkA11y(page, 'case at the Marac (coordinator, with history and transfer)', visited);
      assert.ok(await page.getByRole('table', { name: 'Dash risk history' }).count(), 'the risk history is shown');
      // No reason: refused, nothing moves.
      await page.getByLabel('Receiving Marac').selectOption({ label: 'Southmoor Marac (demo)' });
      await submit(page, 'Transfer the case');
      assert.equal(visited.lastStatus, 422);
      await checkA11y(page, 'transfer (errors)', visited, { status: 422 });
      await page.getByLabel('Receiving Marac').selectOption({ label: 'Southmoor Marac (demo)' });
      await page.getByLabel('Reason for the transfer').fill('Moved to a refuge in Southmoor with the children.');
      await submit(page, 'Transfer the case', new RegExp(`${hearingPath}$`));
      await checkA11y(page, 'case at the Marac (after transfer)', visited);
      await go(page, visited, '/marac/referrals', 'referrals to screen (transfer waiting)');
      const row = page.getByRole('row').filter({ hasText: `${VICTIM.given} ${VICTIM.family}` }).filter({ hasText: 'Transfer from Northmoor Marac (demo)' });
      assert.equal(await row.count(), 1, 'the receiving coordinator sees where the case came from');
      await Promise.all([page.waitForURL(new RegExp(`/marac/referrals/${UUID}$`)), row.getByRole('link').click()]);
      await checkA11y(page, 'screen a transferred referral', visited);
      assert.match(await page.locator('main').innerText(), /Moved to a refuge in Southmoor/);
      await s.context.close();
    }

    for (const visited of seen) assertNoNames(visited, [VICTIM.family, PERPETRATOR.family, 'Kit', 'Umi']);
  });
});
