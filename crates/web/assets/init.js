// Waymark: start GOV.UK Frontend. Loaded as an ES module from the page
// (<script type="module" src="/assets/init.js">), because the CSP forbids
// inline scripts. Running at all means the browser supports ES modules, which
// is what GOV.UK Frontend's inline snippet tests before adding this class.
import { initAll } from './govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
