// A case's working life in a real browser, with axe on every page: a survivor's
// self-referral, triage and allocation by the manager, the Dash, a safety plan, intake
// measures, six significant contacts, three interventions, the four-month review, exit
// measures and closure with the follow-up scheduled; the manager's team view counts the
// work as it happens.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  UUID, launch, newSession, checkA11y, pathOf, signInAs, submit, choose, assertNoNames,
} from './support.mjs';

const IDVA = {
  email: process.env.WAYMARK_DEMO_EMAIL || 'idva@demo.waymark.test',
  password: process.env.WAYMARK_DEMO_PASSWORD || 'demo-caseworker-1-northmoor',
};
const MANAGER = {
  email: process.env.WAYMARK_MANAGER_EMAIL || 'manager@demo.waymark.test',
  password: process.env.WAYMARK_MANAGER_PASSWORD || 'demo-manager-6-northmoor',
};
// Made up, and on scripts/e2e's list of names the server log must never contain.
const VICTIM = { given: 'Workcase', family: 'Browserly' };
const PERPETRATOR = { given: 'Fakeperson', family: 'Scriptson' };
const TIMEOUT = 240_000;
const PERPETRATOR_FACTORS = [
  'perpetrator_alcohol', 'perpetrator_drugs', 'perpetrator_mental_health', 'perpetrator_criminal_record',
  'perpetrator_dv_criminal_record', 'perpetrator_financial_problems', 'perpetrator_suicide_threats',
];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The survivor's own referral, signed out. */
async function selfRefer(browser) {
  const { context, page, visited } = await newSession(browser);
  try {
    await page.goto('/self-referral');
    await checkA11y(page, 'self-referral form', visited);
    await page.getByRole('group', { name: 'Are you in immediate danger?' }).getByLabel('No', { exact: true }).check();
    await page.getByLabel('Your first name').fill(VICTIM.given);
    await page.getByLabel('Your last name (optional)').fill(VICTIM.family);
    await page.getByLabel('A safe phone number').fill('07700 900123');
    await page.getByRole('group', { name: 'Is it safe to leave a voicemail on that number?' }).getByLabel('No', { exact: true }).check();
    await submit(page, 'Send', (url) => url.pathname === '/self-referral/sent');
    await checkA11y(page, 'self-referral sent', visited);
    assertNoNames(visited, [VICTIM.given, VICTIM.family]);
  } finally {
    await context.close();
  }
}

/** Casey's row of the team view: open cases, significant contacts, intensive cases. */
async function caseyRow(page, visited) {
  await page.goto('/team');
  await checkA11y(page, 'team caseloads', visited);
  const row = page.getByRole('table', { name: 'Caseworkers' }).locator('tr', { hasText: 'Casey Idva' });
  const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
  // FTE, open, high risk, significant contacts "N (per case)", intensive, overdue, projected.
  return { open: Number(cells[1]), contacts: Number(cells[3].split(' ')[0]), intensive: Number(cells[4]) };
}

async function openMeasures(page, visited, caseId, stage, label) {
  await page.goto(`/cases/${caseId}/measures/${stage}`);
  await checkA11y(page, label, visited);
}

async function saveMeasures(page, caseId) {
  await submit(page, 'Save the measures', (url) => url.pathname === `/cases/${caseId}`);
}

describe('Idva casework in a real browser', () => {
  test('a self-referral is triaged, allocated and worked to closure, and the team view counts it', { timeout: TIMEOUT }, async () => {
    await selfRefer(browser);
    const manager = await newSession(browser);
    const idva = await newSession(browser);
    try {
      // The manager finds it in triage and allocates it to Casey, the demo Idva.
      await signInAs(manager.page, manager.visited, MANAGER.email, MANAGER.password);
      const before = await caseyRow(manager.page, manager.visited);
      await manager.page.goto('/triage');
      await checkA11y(manager.page, 'triage queue', manager.visited);
      const row = manager.page.locator('tr', { hasText: `${VICTIM.given} ${VICTIM.family}` });
      assert.match(await row.innerText(), /Self-referral/);
      await row.locator('a[href$="/allocation"]').click();
      await manager.page.waitForURL(new RegExp(`/cases/${UUID}/allocation$`));
      await checkA11y(manager.page, 'allocate a case', manager.visited);
      // Only staff who hold a caseload are offered: not the Marac coordinator.
      assert.equal(await manager.page.getByLabel(/Morgan Coordinator/).count(), 0, 'the coordinator is not offered');
      await manager.page.getByLabel(/Casey Idva/).check();
      await submit(manager.page, 'Allocate', new RegExp(`/cases/${UUID}\\?saved=allocation$`));
      await checkA11y(manager.page, 'case page (allocated, with the banner)', manager.visited);
      assert.equal((await manager.page.locator('#saved-banner').innerText()).trim(), 'Caseworker allocated');
      const caseId = pathOf(manager.page).split('/')[2];
      assert.match(await manager.page.locator('#case-status').innerText(), /Open/);
      assert.equal((await caseyRow(manager.page, manager.visited)).open, before.open + 1, 'Casey has one more open case');

      // Casey sees the first contact due, completes the Dash and makes a safety plan.
      const { page, visited } = idva;
      await signInAs(page, visited, IDVA.email, IDVA.password);
      assert.match(await page.locator('#tasks').innerText(), /First contact/);
      // The case list is paged 50 at a time, keeping its filters.
      const count = await page.locator('#case-count').innerText();
      const total = Number(count.match(/^(\d+) case/)[1]);
      assert.equal(await page.locator('table.govuk-table tbody tr').count(), Math.min(total, 50));
      if (total > 50) {
        await page.goto('/cases?sort=risk&order=desc&page=2');
        await checkA11y(page, 'case list (page 2)', visited);
        assert.match(await page.locator('#case-count').innerText(), /showing 51 to/);
        assert.equal(await page.locator('#case-pages a[aria-current="page"]').innerText(), '2');
        assert.match(await page.locator('#case-pages a[rel="prev"]').getAttribute('href'), /sort=risk&order=desc&page=1$/);
      } else {
        assert.equal(await page.locator('#case-pages').count(), 0, 'one page needs no pagination');
      }
      await page.goto('/cases');
      // Overdue work is listed apart from what is due this week.
      assert.doesNotMatch(await page.locator('#tasks').innerText(), /Overdue|was due/, 'due this week lists nothing overdue');
      for (const li of await page.locator('#tasks-overdue li').all()) assert.match(await li.innerText(), /was due .*Overdue/);
      await page.goto(`/cases/${caseId}`);
      await checkA11y(page, 'case page (allocated)', visited);
      await page.getByRole('button', { name: 'Complete the Dash' }).click();
      await page.waitForURL(new RegExp(`/cases/${caseId}/dash/new$`));
      for (let n = 1; n <= 24; n += 1) await page.locator(n <= 14 ? `#q${n}` : `#q${n}-no`).check();
      await page.locator('#abuse_incidents_last_12_months').fill('1');
      await submit(page, 'Save and see the decision', new RegExp(`/cases/${caseId}/dash/${UUID}`));
      await checkA11y(page, 'Dash decision', visited);
      const main = page.locator('main');
      // The safety plan starts from the risks the Dash found.
      await page.goto(`/cases/${caseId}/safety-plan`);
      await checkA11y(page, 'safety plan (none yet)', visited);
      await page.getByRole('button', { name: 'Make a safety plan' }).click();
      await page.waitForURL((url) => url.pathname === `/cases/${caseId}/safety-plan/edit`);
      await checkA11y(page, 'safety plan form', visited);
      // Every one of the 14 yes answers is a risk, the most dangerous first, in the plan's words.
      assert.match(await page.locator('#risk_1').inputValue(), /^Threats to kill:/, 'threats to kill lead the plan');
      assert.match(await page.locator('#risk_2').inputValue(), /^Weapons:/);
      assert.match(await page.locator('#risk_3').inputValue(), /^Stalking and harassment:/);
      assert.equal(await page.locator('input[name^="risk_"][name$="_dash_item"][value^="q"]').count(), 14, 'all 14 Dash risks');
      assert.equal(await page.locator('#risk_15').inputValue(), '', 'then a blank row');
      await page.locator('#risk_1_action_1').fill('Keep a charged phone with the safe numbers');
      // "Add another risk" adds a row and keeps what was typed, without saving.
      await submit(page, 'Add another risk', (url) => url.pathname === `/cases/${caseId}/safety-plan`);
      await checkA11y(page, 'safety plan form (another risk)', visited);
      assert.equal(await page.locator('#risk_16').count(), 1, 'one more row');
      assert.equal(await page.locator('#risk_1_action_1').inputValue(), 'Keep a charged phone with the safe numbers');
      await page.locator('#risk_15').fill('Her new address may be found through the school run');
      await page.locator('#risk_1_action_1_owner').selectOption('victim');
      await page.locator('#risk_2_action_1').fill('Refer to the sanctuary scheme');
      await page.locator('#risk_2_action_1_owner').selectOption('idva');
      const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
      await page.locator('#risk_2_action_1_due_on').fill(due);
      await submit(page, 'Save the safety plan', (url) => url.pathname === `/cases/${caseId}/safety-plan`);
      await checkA11y(page, 'safety plan (version 1)', visited);
      assert.match(await main.innerText(), /Version 1, saved by/);
      await page.goto(`/cases/${caseId}/safety-plan/print`);
      await checkA11y(page, 'safety plan (printable copy)', visited);
      assert.equal(await page.title(), 'My plan');
      const printed = await page.locator('main').innerText();
      assert.match(printed, /Refer to the sanctuary scheme/);
      for (const name of [VICTIM.given, VICTIM.family, PERPETRATOR.given, PERPETRATOR.family, 'Waymark']) {
        assert.ok(!printed.includes(name), `the printed plan names ${name}`);
      }
      await page.goto(`/cases/${caseId}`);

      // Intake (Time 1): a missing answer is named; the relationship is asked here, as the
      // survivor's own referral did not say.
      await openMeasures(page, visited, caseId, 'intake', 'intake measures');
      await submit(page, 'Save the measures');
      assert.equal(visited.lastStatus, 422);
      assert.match(await page.locator('.govuk-error-summary').innerText(), /There is a problem/);
      await checkA11y(page, 'intake measures (with errors)', visited, { status: 422 });
      await choose(page, 'relationship', 'ex_partner');
      await choose(page, 'living_with_perpetrator', 'no');
      await choose(page, 'physical_currency', 'current');
      await choose(page, 'physical_trend', 'getting_worse');
      await choose(page, 'sexual_currency', 'none');
      await choose(page, 'harassment_and_stalking_currency', 'current');
      await choose(page, 'harassment_and_stalking_trend', 'unchanged');
      await choose(page, 'jealous_and_controlling_currency', 'current');
      await choose(page, 'jealous_and_controlling_trend', 'getting_worse');
      for (const f of ['fear_of_further_injury', 'fear_of_being_killed', 'feeling_frightened']) await choose(page, f, 'yes');
      for (const f of PERPETRATOR_FACTORS) await choose(page, f, 'not_known');
      await page.locator('#children_in_household').fill('0');
      await saveMeasures(page, caseId);

      // The form for a child or another linked person (its saving is covered by the HTTP tests).
      await page.goto(`/cases/${caseId}/people/new`);
      await checkA11y(page, 'add a child or linked person', visited);
      await page.goto(`/cases/${caseId}`);

      // Where she lives: a restricted field. A wrong postcode is named; once saved, the case
      // page says only what is recorded until the caseworker reveals it.
      await page.getByRole('link', { name: 'Record an address, refuge or GP practice' }).click();
      await page.waitForURL((url) => url.pathname === `/cases/${caseId}/whereabouts`);
      await checkA11y(page, 'where the victim lives', visited);
      await page.getByLabel('Refuge (optional)').fill('Eastmoor Women\'s Refuge, Eastmoor');
      await page.getByLabel('GP practice (optional)').fill('Moor Lane Surgery');
      await page.getByLabel('Postcode (optional)').fill('not a postcode');
      await submit(page, 'Save where the victim lives');
      assert.equal(visited.lastStatus, 422);
      assert.match(await page.locator('.govuk-error-summary').innerText(), /real UK postcode/);
      await checkA11y(page, 'where the victim lives (with errors)', visited, { status: 422 });
      await page.getByLabel('Postcode (optional)').fill('nm3 2qd');
      await submit(page, 'Save where the victim lives', (url) => url.pathname === `/cases/${caseId}`);
      const hidden = await page.locator('#whereabouts').innerText();
      assert.match(hidden, /Recorded and hidden: postcode, refuge, GP practice/);
      assert.ok(!(await page.locator('main').innerText()).includes('Moor Lane Surgery'), 'the GP is hidden until revealed');
      await submit(page, 'Show where the victim lives', (url) => url.pathname === `/cases/${caseId}/safe-contact`);
      const shown = await page.locator('#whereabouts').innerText();
      assert.match(shown, /NM3 2QD/);
      assert.match(shown, /Eastmoor Women's Refuge/);
      await checkA11y(page, 'case page (whereabouts revealed)', visited);
      await page.goto(`/cases/${caseId}`);

      // Six significant contacts: intensive support.
      for (let i = 1; i <= 6; i += 1) {
        await page.getByRole('button', { name: 'Record a contact' }).click();
        await page.waitForURL((url) => url.pathname === `/cases/${caseId}/contacts/new`);
        if (i === 1) await checkA11y(page, 'record a contact', visited);
        await page.getByLabel('How did the contact happen?').selectOption(i % 2 ? 'phone' : 'face_to_face');
        await page.getByLabel('What came of it?').selectOption('spoke');
        await choose(page, 'significant', 'yes');
        await page.locator('#duration_minutes').fill('30');
        await submit(page, 'Save the contact', (url) => url.pathname === `/cases/${caseId}`);
        assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Contact recorded');
      }
      assert.equal((await page.locator('#significant-contacts').innerText()).trim(), '6');
      assert.equal(await page.locator('#intensive').count(), 1, 'the case shows intensive support');

      // Three interventions.
      for (const [kind, status] of [['safety_planning', 'done'], ['civil_remedies', 'in_progress'], ['housing', 'accepted']]) {
        await page.getByRole('button', { name: 'Add an intervention' }).click();
        await page.waitForURL((url) => url.pathname === `/cases/${caseId}/interventions/new`);
        if (kind === 'safety_planning') await checkA11y(page, 'add an intervention', visited);
        await page.getByLabel('Intervention', { exact: true }).selectOption(kind);
        await page.getByLabel('Where does it stand?').selectOption(status);
        await submit(page, 'Add the intervention', (url) => url.pathname === `/cases/${caseId}`);
        assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Intervention added');
      }
      assert.equal((await page.locator('#interventions-received').innerText()).trim(), '3');
      await checkA11y(page, 'case page (contacts and interventions)', visited);

      // Review (Time 2), pre-filled from the intake's abuse profile.
      await openMeasures(page, visited, caseId, 'review', 'review measures');
      assert.ok(await page.locator('input[name="physical_trend"][value="getting_worse"]').isChecked(), 'review starts from intake');
      await choose(page, 'physical_trend', 'reduced');
      await choose(page, 'risk_judgement', 'reduced');
      await choose(page, 'coping', 'better');
      await choose(page, 'social_networks', 'same');
      for (const f of ['fear_of_further_injury', 'fear_of_being_killed', 'feeling_frightened']) await choose(page, f, 'no');
      await saveMeasures(page, caseId);

      // The manager's view counts Casey's work on the case.
      const during = await caseyRow(manager.page, manager.visited);
      assert.equal(during.contacts, before.contacts + 6, 'six more significant contacts');
      assert.equal(during.intensive, before.intensive + 1, 'one more case with intensive support');

      // Exit measures, then closure: the follow-up is scheduled.
      await openMeasures(page, visited, caseId, 'exit', 'exit measures');
      await choose(page, 'abuse_period', 'since_intake');
      for (const f of ['physical_rating', 'sexual_rating', 'harassment_and_stalking_rating', 'jealous_and_controlling_rating']) {
        await choose(page, f, 'none');
      }
      await choose(page, 'feels_safer', 'much_safer');
      await choose(page, 'quality_of_life', 'improved');
      await choose(page, 'cessation_sustainable', 'yes');
      await choose(page, 'ongoing_contact', 'no');
      for (const f of ['fear_of_further_injury', 'fear_of_being_killed', 'feeling_frightened']) await choose(page, f, 'no');
      await choose(page, 'coping', 'better');
      await choose(page, 'social_networks', 'better');
      await saveMeasures(page, caseId);
      // Closing while the latest Dash is still high: what is open is shown first, and "support
      // completed: risk reduced" is refused.
      await page.getByRole('button', { name: 'Close the case' }).click();
      await page.waitForURL((url) => url.pathname === `/cases/${caseId}/close`);
      await checkA11y(page, 'close the case', visited);
      let stillOpen = await page.locator('#still-open').innerText();
      assert.match(stillOpen, /The latest Dash says the risk is high/);
      assert.match(stillOpen, /actions? in the safety plan not yet done/);
      assert.ok(await page.getByLabel('Why can the case close while the risk is high?').count(), 'a reason is asked for while the risk is high');
      await page.getByLabel('Why is the case closing?').selectOption('support_completed');
      await submit(page, 'Continue', (url) => url.pathname === `/cases/${caseId}/close`);
      await checkA11y(page, 'close the case (refused while high)', visited, { status: 422 });
      const refused = await page.locator('.govuk-error-summary').innerText();
      assert.match(refused, /cannot close as support completed/);
      assert.match(refused, /Say why the case can close while the risk is high/);

      // A re-assessment shows the risk reduced; then the closure is checked and confirmed.
      await page.goto(`/cases/${caseId}/dash/new`);
      for (let n = 1; n <= 24; n += 1) await page.locator(n <= 3 ? `#q${n}` : `#q${n}-no`).check();
      await page.locator('#abuse_incidents_last_12_months').fill('0');
      await submit(page, 'Save and see the decision', new RegExp(`/cases/${caseId}/dash/${UUID}`));
      await checkA11y(page, 'Dash decision (re-assessment)', visited);
      // 14 yes before, 3 now.
      assert.match(await page.locator('main').innerText(), /Score down 11\./);
      await page.goto(`/cases/${caseId}/close`);
      await checkA11y(page, 'close the case (risk reduced)', visited);
      stillOpen = await page.locator('#still-open').innerText();
      assert.doesNotMatch(stillOpen, /risk is high/);
      assert.equal(await page.getByLabel('Why can the case close while the risk is high?').count(), 0);
      await page.getByLabel('Why is the case closing?').selectOption('support_completed');
      await submit(page, 'Continue', (url) => url.pathname === `/cases/${caseId}/close`);
      await checkA11y(page, 'check before closing the case', visited);
      assert.equal(await page.locator('h1').innerText(), 'Check before closing the case');
      assert.match(await page.locator('#closure-answers').innerText(), /Support completed: risk reduced/);
      assert.match(await page.locator('#still-open').innerText(), /in the safety plan not yet done/);
      // Changing the answers keeps them.
      await submit(page, 'Change your answers', (url) => url.pathname === `/cases/${caseId}/close`);
      await checkA11y(page, 'close the case (changing the answers)', visited);
      assert.equal(await page.getByLabel('Why is the case closing?').inputValue(), 'support_completed');
      await submit(page, 'Continue', (url) => url.pathname === `/cases/${caseId}/close`);
      await submit(page, 'Close the case', (url) => url.pathname === `/cases/${caseId}`);
      assert.equal((await page.locator('#saved-banner').innerText()).trim(), 'Case closed');
      assert.match(await page.locator('#case-status').innerText(), /Closed/);
      assert.match(await page.locator('#due').innerText(), /Six-month follow-up/);
      const text = await main.innerText();
      assert.match(text, /Exit measures\s*Recorded/);
      await checkA11y(page, 'case page (closed)', visited);
      // After closure: the six-month follow-up form, and the route back for a returning client.
      await openMeasures(page, visited, caseId, 'follow_up', 'follow-up measures');
      await page.goto(`/cases/${caseId}/repeat`);
      await checkA11y(page, 'open a repeat case', visited);

      const after = await caseyRow(manager.page, manager.visited);
      assert.equal(after.open, before.open, 'the closed case has left the open caseload');
      assertNoNames(visited, [VICTIM.given, VICTIM.family]);
      assertNoNames(manager.visited, [VICTIM.given, VICTIM.family]);
    } finally {
      await manager.context.close();
      await idva.context.close();
    }
  });
});
