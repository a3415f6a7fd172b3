// Real-browser end-to-end journeys for Waymark, with an axe accessibility check on every page.
//
// Runs with Node's built-in test runner and playwright-core driving Debian's Chromium; nothing is
// downloaded. Start a server first (scripts/e2e does all of this), then:
//   WAYMARK_URL=http://127.0.0.1:PORT node --test tests/e2e/
import { createHmac } from 'node:crypto';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UUID, launch, newSession as openSession, checkA11y, pathOf } from './support.mjs';

const EMAIL = process.env.WAYMARK_DEMO_EMAIL || 'idva@demo.waymark.test';
const PASSWORD = process.env.WAYMARK_DEMO_PASSWORD || 'demo-caseworker-1-northmoor';
/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) from a base32 secret, as an authenticator app computes it. */
function totp(secretBase32, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const ch of secretBase32.toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(code % 1_000_000).padStart(6, '0');
}

// Obviously made-up people: none of these names should ever reach a URL or a page title.
const VICTIM = { given: 'Testcase', family: 'Browserly' };
const PERPETRATOR = { given: 'Fakeperson', family: 'Scriptson' };
const CHILD = { given: 'Samplekid', family: 'Browserly', dob: '2019-06-14' };

const JOURNEY_TIMEOUT = 180_000;

let browser;
const newSession = () => openSession(browser);

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function signIn(page, visited) {
  await page.goto('/sign-in');
  await checkA11y(page, 'sign in', visited);
  await page.getByLabel('Email address').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/sign-in'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  assert.equal(new URL(page.url()).pathname, '/cases', 'signing in lands on /cases');
  await checkA11y(page, 'cases list (after sign in)', visited);
}

/** Selects the first option after the placeholder of a select and returns its label. */
async function selectFirstRealOption(page, label) {
  const select = page.getByLabel(label, { exact: true });
  const options = await select.locator('option').evaluateAll((opts) =>
    opts.map((o) => ({ value: o.value, label: o.textContent.trim() })),
  );
  const real = options.find((o) => o.value !== '');
  assert.ok(real, `select "${label}" has a real option`);
  await select.selectOption(real.value);
  return real.label;
}

/** Answers the Dash: questions 1..yesUpTo Yes, the rest No; returns the question prompts by number. */
async function answerDash(page, yesUpTo) {
  const prompts = {};
  for (let n = 1; n <= 24; n += 1) {
    const id = n <= yesUpTo ? `#q${n}` : `#q${n}-no`;
    await page.locator(id).check();
    const legend = await page.locator(`fieldset:has(#q${n}) legend`).innerText();
    prompts[n] = legend.trim().replace(/^\d+\.\s*/, '');
  }
  await page.locator('#abuse_incidents_last_12_months').fill('0');
  return prompts;
}

async function submitDash(page) {
  await Promise.all([
    page.waitForURL(new RegExp(`/cases/${UUID}/dash/${UUID}`)),
    page.getByRole('button', { name: 'Save and see the decision' }).click(),
  ]);
}

describe('Waymark in a real browser', () => {
  test('the accessibility check catches a violation (self-test)', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.setContent('<!DOCTYPE html><html lang="en"><head><title>Self-test</title></head>' +
        '<body><main><h1>Self-test</h1><form><input id="unlabelled" type="text"></form></main></body></html>');
      await assert.rejects(checkA11y(page, 'self-test'), (err) => {
        assert.match(err.message, /\blabel\b \[critical\]/);
        assert.match(err.message, /#unlabelled/);
        return true;
      });
    } finally {
      await context.close();
    }
  });

  test('caseworker refers and the Dash meets the Marac criteria', { timeout: JOURNEY_TIMEOUT }, async () => {
    const { context, page, visited } = await newSession();
    try {
      // Start: signed out, so the home page sends us to sign in.
      await page.goto('/');
      assert.equal(pathOf(page), '/sign-in', 'signed-out visit to / redirects to /sign-in');
      await checkA11y(page, 'sign in (redirected from /)', visited);

      await page.getByLabel('Email address').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/cases'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      assert.match(await page.title(), /Cases/);
      const casesTable = page.getByRole('table', { name: 'Cases you can see' });
      await casesTable.waitFor();
      assert.equal(await casesTable.getByRole('columnheader', { name: 'Reference' }).count(), 1, 'cases table has a Reference column');
      await checkA11y(page, 'cases list', visited);

      // New referral from the header.
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/referrals/new'),
        page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'New referral' }).click(),
      ]);
      await checkA11y(page, 'new referral (empty)', visited);

      // Empty submission shows the GOV.UK error summary.
      const saveReferral = page.getByRole('button', { name: 'Save referral and continue to the Dash' });
      await Promise.all([page.waitForNavigation(), saveReferral.click()]);
      const summary = page.locator('.govuk-error-summary');
      await summary.waitFor();
      assert.match(await summary.innerText(), /There is a problem/);
      const firstNameError = summary.locator('a[href="#victim_given_name"]');
      assert.equal(await firstNameError.count(), 1, 'error summary links to the victim first name');
      assert.match(await page.title(), /^Error: /, 'title starts with "Error: " when the form has errors');
      assert.ok([400, 422].includes(visited.lastStatus), `form errors answer 400 or 422, not ${visited.lastStatus}`);
      await checkA11y(page, 'new referral (with errors)', visited, { status: visited.lastStatus });

      // Fill in the referral.
      await page.locator('#victim_given_name').fill(VICTIM.given);
      await page.locator('#victim_family_name').fill(VICTIM.family);
      await page.locator('#perpetrator_given_name').fill(PERPETRATOR.given);
      await page.locator('#perpetrator_family_name').fill(PERPETRATOR.family);
      await page.getByLabel('Relationship to the victim').selectOption('intimate_partner');
      await page.locator('#child_1_given_name').fill(CHILD.given);
      await page.locator('#child_1_family_name').fill(CHILD.family);
      await page.locator('#child_1_date_of_birth').fill(CHILD.dob);
      await selectFirstRealOption(page, 'Referring agency');
      await selectFirstRealOption(page, 'Referral route');
      await selectFirstRealOption(page, 'Marac for this area');
      const referredOn = page.locator('#referred_on');
      if ((await referredOn.inputValue()) === '') {
        await referredOn.fill(new Date().toISOString().slice(0, 10));
      }
      await page.getByRole('group', { name: 'Did the victim consent to this referral?' }).getByLabel(/^Yes/).check();
      await page.getByRole('group', { name: 'Does the victim know about this referral?' }).getByLabel('Yes', { exact: true }).check();
      await page.locator('#safe_phone').fill('07700 900123');
      await page.getByRole('group', { name: 'Is it safe to leave a voicemail?' }).getByLabel('No', { exact: true }).check();
      await page.getByRole('group', { name: 'Is it safe to send post?' }).getByLabel('No', { exact: true }).check();
      await Promise.all([
        page.waitForURL(new RegExp(`/cases/${UUID}/dash/new$`)),
        saveReferral.click(),
      ]);

      // The Dash form.
      const caseId = pathOf(page).split('/')[2];
      await checkA11y(page, 'Dash form (first)', visited);
      assert.match(await page.title(), /Dash/);
      const prompts = await answerDash(page, 14);
      await submitDash(page);

      // The decision.
      await checkA11y(page, 'Dash decision (first)', visited);
      const main = page.locator('main');
      const text1 = await main.innerText();
      assert.match(text1, /Risk level:\s*High/);
      assert.match(text1, /Score:\s*14 yes/);
      assert.match(text1, /This case meets the Marac referral criteria\./);
      assert.match(await main.locator('ul').first().innerText(), /Visible high risk/);
      assert.doesNotMatch(text1, /What changed since/, 'first Dash has nothing to compare with');

      // Back to the case.
      await Promise.all([
        page.waitForURL((url) => url.pathname === `/cases/${caseId}`),
        page.getByRole('link', { name: /^Back to case/ }).click(),
      ]);
      await checkA11y(page, 'case page (one Dash)', visited);
      const caseText = await page.locator('main').innerText();
      assert.ok(caseText.includes(`${VICTIM.given} ${VICTIM.family}`), 'case page shows the victim name');
      const history = page.getByRole('table', { name: /Dash risk checklists/ });
      assert.equal(await history.locator('tbody tr').count(), 1, 'Dash history has one row');
      assert.match(await history.locator('tbody tr').first().innerText(), /14 yes/);

      // Safe contact details are hidden until asked for, on purpose.
      assert.ok(!caseText.includes('07700 900123'), 'the safe phone is hidden by default');
      await page.getByRole('button', { name: 'Show safe contact details' }).click();
      await page.locator('#safe-phone').waitFor();
      await checkA11y(page, 'case page (safe contact details shown)', visited);
      assert.equal((await page.locator('#safe-phone').innerText()).trim(), '07700 900123');
      await page.goto(`/cases/${caseId}`);

      // Re-assess: one more yes.
      await Promise.all([
        page.waitForURL(new RegExp(`/cases/${caseId}/dash/new$`)),
        page.getByRole('button', { name: /Re-assess/ }).click(),
      ]);
      await checkA11y(page, 'Dash form (re-assessment)', visited);
      assert.match(await page.title(), /Dash/);
      await answerDash(page, 15);
      await submitDash(page);
      await checkA11y(page, 'Dash decision (re-assessment)', visited);

      const text2 = await page.locator('main').innerText();
      assert.match(text2, /Score:\s*15 yes/);
      assert.match(text2, /What changed since/);
      assert.match(text2, /Score up 1\./);
      const nowYes = page.locator('h3', { hasText: 'Now yes' }).locator('xpath=following-sibling::ul[1]');
      const nowYesItems = (await nowYes.locator('li').allInnerTexts()).map((s) => s.trim());
      assert.deepEqual(nowYesItems, [prompts[15]], 'question 15 is listed under "Now yes"');

      // Personal data never leaks into URLs or titles.
      assert.ok(visited.urls.length >= 8, `recorded the URLs visited (${visited.urls.length})`);
      assert.ok(visited.titles.length >= 8, `recorded the titles seen (${visited.titles.length})`);
      for (const name of [VICTIM.given, VICTIM.family]) {
        const needle = name.toLowerCase();
        for (const url of visited.urls) {
          assert.ok(!decodeURIComponent(url).toLowerCase().includes(needle), `URL ${url} contains the victim's name`);
        }
        for (const title of visited.titles) {
          assert.ok(!title.toLowerCase().includes(needle), `title "${title}" contains the victim's name`);
        }
      }
    } finally {
      await context.close();
    }
  });

  test("another agency's case is not found", { timeout: JOURNEY_TIMEOUT }, async () => {
    const { context, page, visited } = await newSession();
    try {
      await signIn(page, visited);
      const response = await page.goto('/cases/00000000-0000-0000-0000-000000000000');
      assert.ok(response, 'navigation returned a response');
      assert.equal(response.status(), 404);
      assert.match(await page.locator('h1').innerText(), /Page not found/);
      assert.match(await page.title(), /Page not found/);
      await checkA11y(page, 'case not found', visited, { status: 404 });
    } finally {
      await context.close();
    }
  });

  test('sign out ends the session', { timeout: JOURNEY_TIMEOUT }, async () => {
    const { context, page, visited } = await newSession();
    try {
      await signIn(page, visited);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/cases'),
        page.getByRole('button', { name: 'Sign out' }).click(),
      ]);
      await checkA11y(page, 'after sign out', visited);
      await page.goto('/cases');
      assert.equal(pathOf(page), '/sign-in', 'after signing out, /cases redirects to /sign-in');
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
      await checkA11y(page, 'sign in (after sign out)', visited);
    } finally {
      await context.close();
    }
  });

  test('a new starter changes the initial password and sets up a second factor', { timeout: JOURNEY_TIMEOUT }, async () => {
    const email = process.env.WAYMARK_NEW_USER_EMAIL;
    const initial = process.env.WAYMARK_NEW_USER_PASSWORD;
    assert.ok(email && initial, 'scripts/e2e creates a new user and exports WAYMARK_NEW_USER_EMAIL/PASSWORD');
    const { context, page, visited } = await newSession();
    try {
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(initial);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/sign-in'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      assert.equal(pathOf(page), '/account/password', 'an initial password leads to the change page');
      await checkA11y(page, 'change password (required)', visited);
      await page.goto('/cases');
      assert.equal(pathOf(page), '/account/password', 'nothing else opens until the password is changed');

      await page.getByLabel('Current password', { exact: true }).fill(initial);
      await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
      await page.getByLabel('Confirm the new password').fill('a different passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      await checkA11y(page, 'change password (errors)', visited, { status: 422 });

      await page.getByLabel('Current password', { exact: true }).fill(initial);
      await page.getByLabel('New password', { exact: true }).fill('correct horse battery staple');
      await page.getByLabel('Confirm the new password').fill('correct horse battery staple');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/account/mfa/setup'),
        page.getByRole('button', { name: 'Change password' }).click(),
      ]);
      // Every account outside demo mode's seeded ones sets up a second factor.
      await checkA11y(page, 'set up authenticator', visited);
      await page.getByLabel('Code from the app').fill('000000');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      await checkA11y(page, 'set up authenticator (errors)', visited, { status: 422 });
      const secret = (await page.locator('#totp-secret').innerText()).replace(/\s+/g, '');
      await page.getByLabel('Code from the app').fill(totp(secret));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      await checkA11y(page, 'recovery codes', visited);
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/cases'),
        page.getByRole('button', { name: /I have saved my codes/ }).click(),
      ]);
      await checkA11y(page, 'cases list (after setting up the second factor)', visited);
    } finally {
      await context.close();
    }
  });

  test('excluding a colleague hides the case from them', { timeout: JOURNEY_TIMEOUT }, async () => {
    const colleagueEmail = process.env.WAYMARK_COLLEAGUE_EMAIL || 'idva2@demo.waymark.test';
    const colleaguePassword = process.env.WAYMARK_COLLEAGUE_PASSWORD || 'demo-caseworker-2-northmoor';
    const { context, page, visited } = await newSession();
    let casePath;
    try {
      await signIn(page, visited);
      await page.locator('table.govuk-table tbody a.govuk-link').first().click();
      await page.waitForURL(new RegExp(`/cases/${UUID}$`));
      casePath = pathOf(page);
      await checkA11y(page, 'case page (before exclusion)', visited);
      await page.getByRole('link', { name: 'Exclude a person or agency' }).click();
      await page.waitForURL(new RegExp(`/cases/${UUID}/exclusions/new$`));
      await checkA11y(page, 'exclusion form', visited);
      await page.getByRole('button', { name: 'Exclude' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      await checkA11y(page, 'exclusion form (errors)', visited, { status: 422 });
      await page.getByLabel('A named person', { exact: true }).check();
      const select = page.getByLabel('Person (if excluding a named person)');
      const option = await select.locator('option', { hasText: 'Robin Outreach' }).first().getAttribute('value');
      await select.selectOption(option);
      await page.getByLabel('Reason for the exclusion').fill('Knows the family socially');
      await Promise.all([
        page.waitForURL(new RegExp(`/cases/${UUID}$`)),
        page.getByRole('button', { name: 'Exclude' }).click(),
      ]);
      await checkA11y(page, 'case page (after exclusion)', visited);
      assert.match(await page.locator('main').innerText(), /Knows the family socially/);
      await Promise.all([
        page.waitForURL(new RegExp(`/cases/${UUID}/access-log$`)),
        page.getByRole('link', { name: 'Who has seen this case' }).click(),
      ]);
      await checkA11y(page, 'access log', visited);
      assert.match(await page.locator('main').innerText(), /Added an exclusion/);
    } finally {
      await context.close();
    }

    const other = await newSession();
    try {
      await other.page.goto('/sign-in');
      await other.page.getByLabel('Email address').fill(colleagueEmail);
      await other.page.getByLabel('Password').fill(colleaguePassword);
      await Promise.all([
        other.page.waitForURL((url) => url.pathname !== '/sign-in'),
        other.page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const response = await other.page.goto(casePath);
      assert.equal(response.status(), 404, 'the excluded colleague gets not found');
      await checkA11y(other.page, 'excluded case (colleague)', other.visited, { status: 404 });
    } finally {
      await other.context.close();
    }
  });

  test('the data protection officer sees who looked at a case and what a caseworker opened', { timeout: JOURNEY_TIMEOUT }, async () => {
    const reference = `WM-${new Date().getUTCFullYear()}-00001`;
    const dpo = await newSession();
    try {
      await dpo.page.goto('/sign-in');
      await dpo.page.getByLabel('Email address').fill(process.env.WAYMARK_DPO_EMAIL || 'dpo@demo.waymark.test');
      await dpo.page.getByLabel('Password').fill(process.env.WAYMARK_DPO_PASSWORD || 'demo-data-protection-9-northmoor');
      await Promise.all([
        dpo.page.waitForURL((url) => url.pathname === '/cases'),
        dpo.page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await checkA11y(dpo.page, 'case list (data protection officer)', dpo.visited);
      assert.match(await dpo.page.locator('main').innerText(), /see who has opened your agency's cases/);
      await dpo.page.getByRole('link', { name: 'Data protection' }).click();
      await dpo.page.waitForURL((url) => url.pathname === '/data-protection');
      await checkA11y(dpo.page, 'data protection', dpo.visited);
      // A reference that names no case is refused like one that is not theirs.
      await dpo.page.getByLabel('Case reference').fill('WM-1999-99999');
      await dpo.page.getByRole('button', { name: 'Show the access log' }).click();
      await dpo.page.locator('.govuk-error-summary').waitFor();
      await checkA11y(dpo.page, 'data protection (no such case)', dpo.visited, { status: 422 });
      await dpo.page.getByLabel('Case reference').fill(reference);
      await Promise.all([
        dpo.page.waitForURL(new RegExp(`/cases/${UUID}/access-log$`)),
        dpo.page.getByRole('button', { name: 'Show the access log' }).click(),
      ]);
      await checkA11y(dpo.page, 'access log (data protection officer)', dpo.visited);
      const log = await dpo.page.locator('main').innerText();
      assert.match(log, /Who has seen this case/);
      assert.match(log, /Looked up this case's access log/);
      // The case itself stays closed to them.
      const caseUrl = new URL(dpo.page.url()).pathname.replace(/\/access-log$/, '');
      const res = await dpo.page.goto(caseUrl);
      assert.equal(res.status(), 404);
      await dpo.page.goto('/data-protection');
      await Promise.all([
        dpo.page.waitForURL(new RegExp(`/data-protection/staff/${UUID}$`)),
        dpo.page.getByRole('link', { name: 'Review activity of Casey Idva (demo)' }).click(),
      ]);
      await checkA11y(dpo.page, 'activity of a member of staff', dpo.visited);
      assert.match(await dpo.page.locator('#activity').innerText(), /Case WM-/);
    } finally {
      await dpo.context.close();
    }
  });

  test('a police officer uses emergency access and the managers are alerted', { timeout: JOURNEY_TIMEOUT }, async () => {
    // The demo's first case is held by the Idva service; the police officer cannot see it.
    const reference = `WM-${new Date().getUTCFullYear()}-00001`;
    const officer = await newSession();
    try {
      await officer.page.goto('/sign-in');
      await officer.page.getByLabel('Email address').fill(process.env.WAYMARK_OFFICER_EMAIL || 'police-dao@demo.waymark.test');
      await officer.page.getByLabel('Password').fill(process.env.WAYMARK_OFFICER_PASSWORD || 'demo-caseworker-3-northmoor');
      await Promise.all([
        officer.page.waitForURL((url) => url.pathname === '/cases'),
        officer.page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await officer.page.getByRole('link', { name: 'Emergency access' }).click();
      await officer.page.waitForURL((url) => url.pathname === '/emergency-access');
      await checkA11y(officer.page, 'emergency access form', officer.visited);
      await officer.page.getByRole('button', { name: 'Open the case' }).click();
      await officer.page.locator('.govuk-error-summary').waitFor();
      await checkA11y(officer.page, 'emergency access form (errors)', officer.visited, { status: 422 });
      await officer.page.getByLabel('Case reference').fill(reference);
      await officer.page.getByLabel('Why do you need this case now?').fill('Officers attending a reported assault at the address');
      await Promise.all([
        officer.page.waitForURL(new RegExp(`/cases/${UUID}$`)),
        officer.page.getByRole('button', { name: 'Open the case' }).click(),
      ]);
      await checkA11y(officer.page, 'case page (emergency access)', officer.visited);
      assert.match(await officer.page.locator('main').innerText(), /through emergency access until/);
    } finally {
      await officer.context.close();
    }

    const manager = await newSession();
    try {
      await manager.page.goto('/sign-in');
      await manager.page.getByLabel('Email address').fill(process.env.WAYMARK_MANAGER_EMAIL || 'manager@demo.waymark.test');
      await manager.page.getByLabel('Password').fill(process.env.WAYMARK_MANAGER_PASSWORD || 'demo-manager-6-northmoor');
      await Promise.all([
        manager.page.waitForURL((url) => url.pathname === '/cases'),
        manager.page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await manager.page.getByRole('link', { name: 'Alerts' }).click();
      await manager.page.waitForURL((url) => url.pathname === '/alerts');
      await checkA11y(manager.page, 'emergency access alerts', manager.visited);
      const text = await manager.page.locator('main').innerText();
      assert.match(text, /Pat Officer/);
      assert.match(text, /Officers attending a reported assault/);
      assert.ok(text.includes(reference));
    } finally {
      await manager.context.close();
    }
  });

  test('confirming it is you before a sensitive action', { timeout: JOURNEY_TIMEOUT }, async () => {
    const { context, page, visited } = await newSession();
    try {
      await signIn(page, visited);
      await page.goto('/account/confirm?next=/cases');
      await checkA11y(page, 'confirm it is you', visited);
      await page.getByLabel('Your password').fill('not my password at all');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      await checkA11y(page, 'confirm it is you (errors)', visited, { status: 422 });
      await page.getByLabel('Your password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/cases'),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
    } finally {
      await context.close();
    }
  });

  test('a survivor refers themselves, signed out, and nothing they typed is shown again', { timeout: JOURNEY_TIMEOUT }, async () => {
    const SURVIVOR = { given: 'Selfreferrer', phone: '07700 900987', times: 'Tuesday mornings only', story: 'Frightened at home most evenings' };
    const { context, page, visited } = await newSession();
    try {
      await page.goto('/self-referral');
      assert.equal(await page.title(), 'Contact form – Waymark', 'the form has a neutral title');
      const exitLink = page.locator('.govuk-exit-this-page a.govuk-exit-this-page__button');
      assert.equal(await exitLink.count(), 1, 'the form has an "Exit this page" button');
      assert.equal(await exitLink.getAttribute('href'), 'https://www.bbc.co.uk/weather');
      assert.equal(await exitLink.getAttribute('rel'), 'nofollow noreferrer');
      // GOV.UK Frontend has started the component (Shift three times exits).
      await page.locator('[data-module="govuk-exit-this-page"][data-govuk-exit-this-page-init]').waitFor({ state: 'attached' });
      await checkA11y(page, 'self-referral form', visited);

      // Nothing filled in: the GOV.UK error summary, and a 422.
      const send = page.getByRole('button', { name: 'Send' });
      await Promise.all([page.waitForNavigation(), send.click()]);
      const summary = page.locator('.govuk-error-summary');
      await summary.waitFor();
      assert.equal(await summary.locator('a[href="#given_name"]').count(), 1, 'the summary links to the first name');
      assert.match(await page.title(), /^Error: Contact form/);
      await checkA11y(page, 'self-referral form (errors)', visited, { status: 422 });

      // What to do in danger is said beside the question (no script needed to see it). The
      // page sent back after "Yes" repeats it above everything else.
      const danger = page.getByRole('group', { name: 'Are you in immediate danger?' });
      assert.match(await page.locator('#immediate_danger-hint').innerText(), /call 999 now/);
      await danger.getByLabel('Yes', { exact: true }).check();
      await Promise.all([page.waitForNavigation(), send.click()]);
      assert.match(await page.locator('#call-999').innerText(), /Call 999 now/);
      await checkA11y(page, 'self-referral form (errors, in danger)', visited, { status: 422 });
      await danger.getByLabel('No', { exact: true }).check();

      await page.getByLabel('Your first name').fill(SURVIVOR.given);
      await page.getByLabel('A safe phone number').fill(SURVIVOR.phone);
      await page.getByLabel('Safe times to call (optional)').fill(SURVIVOR.times);
      await page.getByRole('group', { name: 'Is it safe to leave a voicemail on that number?' }).getByLabel('No', { exact: true }).check();
      await page.getByLabel('Tell us as much or as little as you want (optional)').fill(SURVIVOR.story);
      await Promise.all([page.waitForURL((url) => url.pathname === '/self-referral/sent'), send.click()]);

      // The thank-you page: no personal data, and the exit button still there.
      assert.equal(await page.title(), 'Message sent – Waymark');
      const text = await page.locator('body').innerText();
      for (const value of Object.values(SURVIVOR)) {
        assert.ok(!text.includes(value), `the thank-you page does not show "${value}"`);
      }
      assert.equal(await page.locator('.govuk-exit-this-page a.govuk-exit-this-page__button').count(), 1);
      await checkA11y(page, 'self-referral sent', visited);
      for (const seen of [...visited.urls, ...visited.titles]) {
        for (const value of Object.values(SURVIVOR)) {
          assert.ok(!seen.includes(value), `"${value}" appears in a URL or title: ${seen}`);
        }
      }

      // Shift three times leaves for the neutral site (answered here, offline).
      await page.route('https://www.bbc.co.uk/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>Weather</title><h1>Weather</h1>' }));
      await page.locator('h1').click();
      await Promise.all([
        page.waitForURL('https://www.bbc.co.uk/weather'),
        (async () => {
          for (let i = 0; i < 3; i += 1) await page.keyboard.press('Shift');
        })(),
      ]);
    } finally {
      await context.close();
    }

    // The Idva service's manager finds it in the triage queue, as a self-referral.
    const manager = await newSession();
    try {
      await manager.page.goto('/sign-in');
      await manager.page.getByLabel('Email address').fill(process.env.WAYMARK_MANAGER_EMAIL || 'manager@demo.waymark.test');
      await manager.page.getByLabel('Password').fill(process.env.WAYMARK_MANAGER_PASSWORD || 'demo-manager-6-northmoor');
      await Promise.all([
        manager.page.waitForURL((url) => url.pathname === '/cases'),
        manager.page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await manager.page.goto('/triage');
      const row = manager.page.getByRole('row').filter({ hasText: SURVIVOR.given });
      assert.equal(await row.count(), 1, 'the self-referral waits in triage');
      assert.match(await row.innerText(), /Self-referral/);
    } finally {
      await manager.context.close();
    }
  });
});
