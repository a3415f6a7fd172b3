// Person matching in a real browser, with axe on every page: the police refer two women
// whose abuser they have recorded as "William" and as "Bill" Demoford, born the same day.
// The second case shows a possible match on the first, with why; the caseworker confirms
// it, and is not asked again. The coordinator screens the first referral onto a meeting,
// and the agenda flags the serial perpetrator with the other case's reference.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UUID, launch, newSession as openSession, checkA11y, pathOf, signInAs, submit, choose, assertNoNames } from './support.mjs';

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

async function signedIn([email, password]) {
  const session = await openSession(browser);
  await signInAs(session.page, session.visited, email, password);
  return session;
}

async function go(page, visited, path, label, status = 200) {
  await page.goto(path);
  await checkA11y(page, label, visited, { status });
}

/** A police referral with a high-risk Dash, referred on to the Marac; returns the case id. */
async function refer(page, visited, { victim, perpetrator }, label) {
  await go(page, visited, '/referrals/new', `new referral (${label})`);
  await page.locator('#victim_given_name').fill(victim.given);
  await page.locator('#victim_family_name').fill(victim.family);
  await page.locator('#victim_date_of_birth').fill(victim.dob);
  await page.locator('#perpetrator_given_name').fill(perpetrator.given);
  await page.locator('#perpetrator_family_name').fill(perpetrator.family);
  await page.locator('#perpetrator_date_of_birth').fill(perpetrator.dob);
  await page.getByLabel('Relationship to the victim').selectOption('ex_partner');
  await page.getByLabel('Referring agency').selectOption({ label: 'Northmoor Police (demo)' });
  await page.getByLabel('Referral route').selectOption('police');
  await page.getByLabel('Marac for this area').selectOption({ index: 1 });
  if ((await page.locator('#referred_on').inputValue()) === '') {
    await page.locator('#referred_on').fill(new Date().toISOString().slice(0, 10));
  }
  await page.getByRole('group', { name: 'Did the victim consent to this referral?' }).getByLabel(/^Yes/).check();
  await page.getByRole('group', { name: 'Does the victim know about this referral?' }).getByLabel('Yes', { exact: true }).check();
  await page.getByRole('group', { name: 'Is it safe to leave a voicemail?' }).getByLabel('No', { exact: true }).check();
  await page.getByRole('group', { name: 'Is it safe to send post?' }).getByLabel('No', { exact: true }).check();
  await submit(page, 'Save referral and continue to the Dash', new RegExp(`/cases/${UUID}/dash/new$`));
  const caseId = pathOf(page).split('/')[2];
  await checkA11y(page, `Dash form (${label})`, visited);
  for (let n = 1; n <= 24; n += 1) await page.locator(n <= 15 ? `#q${n}` : `#q${n}-no`).check();
  await page.locator('#abuse_incidents_last_12_months').fill('2');
  await submit(page, 'Save and see the decision', new RegExp(`/cases/${caseId}/dash/${UUID}`));
  await go(page, visited, `/cases/${caseId}/marac-referral/new`, `Marac referral form (${label})`);
  await choose(page, 'consent', 'given');
  await choose(page, 'victim_aware', 'yes');
  await page.locator('#reason').fill('Threats to kill; controlling behaviour; separation.');
  await choose(page, 'victim_racially_minoritised', 'no');
  await submit(page, 'Send the referral', new RegExp(`/cases/${caseId}$`));
  await checkA11y(page, `case page (${label}, referred)`, visited);
  return caseId;
}

describe('person matching', () => {
  test('a possible match is explained and decided once; the agenda flags a serial perpetrator', { timeout: TIMEOUT }, async () => {
    const seen = [];
    let firstReference;
    let secondReference;
    {
      const s = await signedIn(OFFICER);
      seen.push(s.visited);
      const { page, visited } = s;
      const first = await refer(page, visited, FIRST, 'first victim');
      firstReference = (await page.locator('h1').innerText()).match(/WM-[0-9A-Z-]+/)?.[0];
      const second = await refer(page, visited, SECOND, 'second victim');
      secondReference = (await page.locator('h1').innerText()).match(/WM-[0-9A-Z-]+/)?.[0];
      assert.ok(firstReference && secondReference, 'the case pages show their references');

      // The second case says a match is waiting, and the matches page says why.
      assert.match(await page.locator('#possible-matches').innerText(), /possible match/);
      await Promise.all([page.waitForURL(new RegExp(`/cases/${second}/matches$`)), page.getByRole('link', { name: 'Review the possible matches' }).click()]);
      await checkA11y(page, 'possible matches', visited);
      const card = page.locator('.govuk-summary-card').filter({ hasText: `${FIRST.perpetrator.given} ${FIRST.perpetrator.family}` });
      assert.equal(await card.count(), 1, 'Bill is offered as a possible match for William');
      const text = await card.innerText();
      assert.match(text, new RegExp(firstReference));
      assert.match(text, /nickname/i, 'the explanation names the nickname');
      assert.match(text, /Date of birth/);
      assert.match(text, /\d+%/);
      await card.getByRole('button', { name: /^Same person/ }).click();
      await page.waitForURL(new RegExp(`/cases/${second}/matches$`));
      await checkA11y(page, 'possible matches (decided)', visited);
      assert.equal(await page.locator('.govuk-summary-card').filter({ hasText: `${FIRST.perpetrator.given} ${FIRST.perpetrator.family}` }).count(), 0, 'a decided pair is not asked again');
      // Nor from the other side.
      await go(page, visited, `/cases/${first}/matches`, 'possible matches (first case)');
      assert.equal(await page.locator('.govuk-summary-card').filter({ hasText: `${SECOND.perpetrator.given} ${SECOND.perpetrator.family}` }).count(), 0);
      await s.context.close();
    }

    // The coordinator lists the first referral for a meeting: its agenda row flags the
    // serial perpetrator with the second case's reference.
    {
      const s = await signedIn(COORDINATOR);
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
      await s.context.close();
    }

    for (const visited of seen) {
      assertNoNames(visited, [FIRST.victim.family, SECOND.victim.family, FIRST.perpetrator.family]);
    }
  });
});
