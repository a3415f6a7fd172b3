// Person matching in a real browser, with axe on every page: the police refer two women
// whose abuser they have recorded as "William" and as "Bill" Demoford, born the same day.
// Saving the second referral shows a possible match on the first, with why, before the
// Dash; the officer confirms it, is not asked again, and each case then lists the other as
// the same man's. The coordinator screens the first referral onto a meeting,
// and the agenda flags the serial perpetrator with the other case's reference.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UUID, launch, checkA11y, pathOf, signedIn, go, fillPoliceReferral, submit, choose, assertNoNames } from './support.mjs';

const OFFICER = ['police-dao@demo.waymark.test', 'demo-caseworker-3-northmoor'];
const COORDINATOR = ['coordinator@demo.waymark.test', 'demo-marac-coordinator-4-northmoor'];

const FIRST = {
  victim: { given: 'Sasha', family: 'Matchwell', dob: '1993-02-17' },
  perpetrator: { given: 'William', family: 'Serialton', dob: '1984-10-09' },
};
const SECOND = {
  victim: { given: 'Wren', family: 'Otherby', dob: '1996-07-04' },
  perpetrator: { given: 'Bill', family: 'Serialton', dob: '1984-10-09' },
};
const TIMEOUT = 240_000;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/**
 * A police referral with a high-risk Dash, referred on to the Marac; returns the case id.
 * With `atMatches`, the referral must lead to its possible matches first: `atMatches(caseId)`
 * runs there, then the caseworker continues to the Dash.
 */
async function refer(page, visited, people, label, atMatches = null) {
  await go(page, visited, '/referrals/new', `new referral (${label})`);
  await fillPoliceReferral(page, people);
  const landing = atMatches ? `matches\\?after=referral` : 'dash/new';
  await submit(page, 'Save referral and continue to the Dash', new RegExp(`/cases/${UUID}/${landing}$`));
  const caseId = pathOf(page).split('/')[2];
  if (atMatches) {
    await checkA11y(page, `possible matches after the referral (${label})`, visited);
    await atMatches(caseId);
    await Promise.all([
      page.waitForURL(new RegExp(`/cases/${caseId}/dash/new$`)),
      page.getByRole('button', { name: 'Continue to the Dash risk checklist' }).click(),
    ]);
  }
  await checkA11y(page, `Dash form (${label})`, visited);
  for (let n = 1; n <= 24; n += 1) await page.locator(n <= 15 ? `#q${n}` : `#q${n}-no`).check();
  await page.locator('#abuse_incidents_last_12_months').fill('2');
  await submit(page, 'Save and see the decision', new RegExp(`/cases/${caseId}/dash/${UUID}`));
  await go(page, visited, `/cases/${caseId}/marac-referral/new`, `Marac referral form (${label})`);
  await choose(page, 'consent', 'given');
  await choose(page, 'victim_aware', 'yes');
  await page.locator('#reason').fill('Threats to kill; controlling behaviour; separation.');
  await choose(page, 'victim_racially_minoritised', 'no');
  await choose(page, 'victim_disabled', 'not_known');
  await choose(page, 'victim_lgbt', 'not_known');
  if (!(await page.locator('input[name="victim_gender"]:checked').count())) await choose(page, 'victim_gender', 'female');
  await submit(page, 'Send the referral', new RegExp(`/cases/${caseId}$`));
  await checkA11y(page, `case page (${label}, referred)`, visited);
  return caseId;
}

describe('person matching', () => {
  test('a possible match is explained and decided once; the agenda flags a serial perpetrator', { timeout: TIMEOUT }, async () => {
    const seen = [];
    let firstReference;
    let secondReference;
    let second;
    {
      const s = await signedIn(browser, OFFICER);
      seen.push(s.visited);
      const { page, visited } = s;
      const first = await refer(page, visited, FIRST, 'first victim');
      firstReference = (await page.locator('h1').innerText()).match(/WM-[0-9A-Z-]+/)?.[0];
      assert.ok(firstReference, 'the case page shows its reference');

      // Saving the second referral shows the possible match on the first, with why,
      // before the Dash; the officer confirms it and is not asked again.
      const bill = () => page.locator('.govuk-summary-card').filter({ hasText: `${FIRST.perpetrator.given} ${FIRST.perpetrator.family}` });
      second = await refer(page, visited, SECOND, 'second victim', async (caseId) => {
        assert.match(await page.locator('.govuk-notification-banner').innerText(), /Referral saved as case WM-/);
        assert.equal(await bill().count(), 1, 'Bill is offered as a possible match for William');
        const text = await bill().innerText();
        assert.match(text, new RegExp(firstReference));
        assert.match(text, /nickname/i, 'the explanation names the nickname');
        assert.match(text, /Date of birth/);
        assert.match(text, /\d+%/);
        await bill().getByRole('button', { name: /^Same person/ }).click();
        await page.waitForURL(new RegExp(`/cases/${caseId}/matches\\?after=referral$`));
        await checkA11y(page, 'possible matches (decided)', visited);
        assert.equal(await bill().count(), 0, 'a decided pair is not asked again');
        // The confirmed match now lists the first case as the same man's.
        const same = await page.getByRole('table', { name: 'The same person on other cases' }).innerText();
        assert.match(same, new RegExp(`${SECOND.perpetrator.given} ${SECOND.perpetrator.family}`));
        assert.match(same, new RegExp(firstReference));
        assert.match(same, /Confirmed as the same person/);
      });
      secondReference = (await page.locator('h1').innerText()).match(/WM-[0-9A-Z-]+/)?.[0];
      assert.ok(secondReference, 'the case page shows its reference');
      // Nor from the other side.
      await go(page, visited, `/cases/${first}/matches`, 'possible matches (first case)');
      assert.equal(await page.locator('.govuk-summary-card').filter({ hasText: `${SECOND.perpetrator.given} ${SECOND.perpetrator.family}` }).count(), 0);
      const sameMan = await page.getByRole('table', { name: 'The same person on other cases' }).innerText();
      assert.match(sameMan, new RegExp(secondReference), 'the first case lists the second as the same man');
      await s.context.close();
    }

    // The coordinator lists the first referral for a meeting: its agenda row flags the
    // serial perpetrator with the second case's reference.
    {
      const s = await signedIn(browser, COORDINATOR);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, '/marac/referrals', 'referrals to screen (matching)');
      const row = page.getByRole('row').filter({ hasText: `${FIRST.victim.given} ${FIRST.victim.family}` });
      await Promise.all([page.waitForURL(new RegExp(`/marac/referrals/${UUID}$`)), row.getByRole('link').first().click()]);
      await checkA11y(page, 'screen a referral (matching)', visited);
      await choose(page, 'decision', 'accept');
      await submit(page, 'Save the decision', /\/marac\/referrals$/);
      await go(page, visited, '/marac', 'Marac overview (matching)');
      const hrefs = (await page.getByRole('table', { name: 'Meetings' }).getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).reverse();
      let flagged = null;
      for (const href of hrefs) {
        await page.goto(href);
        const box = page.getByLabel('I accept the confidentiality statement');
        if (await box.count()) {
          await checkA11y(page, 'confidentiality statement (matching)', visited);
          await box.check();
          await submit(page, 'Continue to the agenda');
        }
        const agendaRow = page.getByRole('table', { name: /Agenda/ }).getByRole('row').filter({ hasText: `${FIRST.victim.given} ${FIRST.victim.family}` });
        if (await agendaRow.count()) {
          await checkA11y(page, 'meeting agenda (serial perpetrator)', visited);
          flagged = await agendaRow.innerText();
          break;
        }
      }
      assert.ok(flagged, 'the first case is on an agenda');
      assert.match(flagged, new RegExp(`Same perpetrator as ${secondReference}`), 'the agenda flags the serial perpetrator');
      // The alert says why; the officer settled it already, so the coordinator is not asked.
      const alert = page.locator('.govuk-summary-card').filter({ hasText: secondReference }).filter({ hasText: firstReference });
      assert.equal(await alert.count(), 1, 'the pair has one alert');
      assert.match(await alert.innerText(), /Why: confirmed as the same person/);
      assert.equal(await alert.getByRole('button', { name: /Not the same man/ }).count(), 0, 'a settled pair is not asked about');
      await s.context.close();
    }

    // The officer learns the second victim was recorded under the wrong name: corrected,
    // she is the first victim, and the possible match is shown at once.
    {
      const s = await signedIn(browser, OFFICER);
      seen.push(s.visited);
      const { page, visited } = s;
      await go(page, visited, `/cases/${second}/people/edit`, 'correct names and dates of birth');
      const given = page.getByRole('textbox', { name: 'First name' }).first();
      assert.equal(await given.inputValue(), SECOND.victim.given, 'the form shows what is recorded');
      await given.fill('');
      await submit(page, 'Save the corrections');
      assert.equal(visited.lastStatus, 422, 'an empty first name is refused');
      await checkA11y(page, 'correct names (refused)', visited, { status: 422 });
      assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter the first name/);
      await page.getByRole('textbox', { name: 'First name' }).first().fill(FIRST.victim.given);
      await page.getByRole('textbox', { name: 'Last name' }).first().fill(FIRST.victim.family);
      await page.getByRole('textbox', { name: 'Date of birth (optional)' }).first().fill(FIRST.victim.dob);
      await submit(page, 'Save the corrections', new RegExp(`/cases/${second}/matches\\?after=correction$`));
      await checkA11y(page, 'possible matches after a correction', visited);
      assert.match(await page.locator('.govuk-notification-banner').innerText(), /Details corrected/);
      const her = page.locator('.govuk-summary-card').filter({ hasText: `${FIRST.victim.given} ${FIRST.victim.family} (victim on case ${firstReference})` });
      assert.equal(await her.count(), 1, 'the corrected victim matches the first victim');
      await s.context.close();
    }

    for (const visited of seen) {
      assertNoNames(visited, [FIRST.victim.family, SECOND.victim.family, FIRST.perpetrator.family]);
    }
  });
});
