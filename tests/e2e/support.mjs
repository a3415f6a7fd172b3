// Shared helpers for the browser journeys: a Chromium launch, sessions that record every URL
// and title they see, and the axe WCAG 2.2 AA check that every page must pass.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const BASE_URL = (process.env.WAYMARK_URL || '').replace(/\/+$/, '');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Debian's Chromium, headless, with nothing downloaded or phoned home. */
export async function launch() {
  assert.ok(BASE_URL, 'Set WAYMARK_URL to the base URL of a running Waymark server (scripts/e2e does this)');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A fresh context and page that remembers every URL requested, every title seen and the last status. */
export async function newSession(browser) {
  const context = await browser.newContext({ baseURL: BASE_URL });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const visited = { urls: [], titles: [], lastStatus: undefined, lastUrl: undefined };
  // Every navigation request, including each hop of a redirect chain, and every URL shown.
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) visited.urls.push(request.url());
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.urls.push(frame.url());
  });
  page.on('response', (response) => {
    const request = response.request();
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      visited.lastStatus = response.status();
      visited.lastUrl = response.url();
    }
  });
  return { context, page, visited };
}

/**
 * axe (WCAG 2.2 AA) on the page now shown. With `visited`, also records the title (for the
 * personal-data check) and fails unless the page came with `status` (null: any), so that an
 * error page is never mistaken for the real one.
 */
export async function checkA11y(page, label, visited, { status = 200 } = {}) {
  if (visited) visited.titles.push(await page.title());
  if (visited && status !== null && visited.lastStatus !== status) {
    const heading = await page.locator('h1').first().innerText().catch(() => '(no h1)');
    assert.fail(`${label}: expected HTTP ${status} but ${visited.lastUrl} answered ${visited.lastStatus} (heading "${heading}")`);
  }
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  if (results.violations.length > 0) {
    const lines = results.violations.map((v) => {
      const targets = v.nodes.map((n) => `      - ${JSON.stringify(n.target)}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`);
      return `  * ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n${targets.join('\n')}`;
    });
    assert.fail(`Accessibility violations on "${label}" (${page.url()}):\n${lines.join('\n')}`);
  }
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

/** Signs in with a demo account (exempt from the second factor in demo mode). */
export async function signInAs(page, visited, email, password) {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/cases'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await checkA11y(page, `cases list (${email})`, visited);
}

/** A new browser session signed in with a demo account: `[email, password]`. */
export async function signedIn(browser, [email, password]) {
  const session = await newSession(browser);
  await signInAs(session.page, session.visited, email, password);
  return session;
}

/** Opens a page and runs axe on it, expecting `status`. */
export async function go(page, visited, path, label, status = 200) {
  await page.goto(path);
  await checkA11y(page, label, visited, { status });
}

/**
 * Fills the referral form (already open) for a police referral to the area's Marac, with
 * consent and no voicemail or post: `victim` and `perpetrator` as `{ given, family, dob }`
 * (the perpetrator's date of birth may be left out), and any `children` likewise.
 */
export async function fillPoliceReferral(page, { victim, perpetrator, children = [] }) {
  await page.locator('#victim_given_name').fill(victim.given);
  await page.locator('#victim_family_name').fill(victim.family);
  await page.locator('#victim_date_of_birth').fill(victim.dob);
  await page.locator('#perpetrator_given_name').fill(perpetrator.given);
  await page.locator('#perpetrator_family_name').fill(perpetrator.family);
  if (perpetrator.dob) await page.locator('#perpetrator_date_of_birth').fill(perpetrator.dob);
  await page.getByLabel('Relationship to the victim').selectOption('ex_partner');
  for (const [i, c] of children.entries()) {
    await page.locator(`#child_${i + 1}_given_name`).fill(c.given);
    await page.locator(`#child_${i + 1}_family_name`).fill(c.family);
    await page.locator(`#child_${i + 1}_date_of_birth`).fill(c.dob);
  }
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
}

/** Submits the form of the page and waits for the next page to load. */
export async function submit(page, buttonName, urlPattern) {
  await Promise.all([
    urlPattern ? page.waitForURL(urlPattern) : page.waitForLoadState('load'),
    page.getByRole('button', { name: buttonName }).click(),
  ]);
}

/** Chooses `value` among the radios named `name`. */
export async function choose(page, name, value) {
  await page.locator(`input[type="radio"][name="${name}"][value="${value}"]`).check();
}

/** Fails if any URL or title seen contains one of the names. */
export function assertNoNames(visited, names) {
  for (const name of names) {
    const needle = name.toLowerCase();
    for (const url of visited.urls) {
      assert.ok(!decodeURIComponent(url).toLowerCase().includes(needle), `URL ${url} contains "${name}"`);
    }
    for (const title of visited.titles) {
      assert.ok(!title.toLowerCase().includes(needle), `title "${title}" contains "${name}"`);
    }
  }
}
