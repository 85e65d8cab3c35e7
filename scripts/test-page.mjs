// Drives the status page in headless Chromium (playwright-core, Debian's chromium):
// node scripts/test-page.mjs BASE_URL TOKEN SCREENSHOT.png
// PLAYWRIGHT_PREFIX names the npm prefix where playwright-core is installed.
import { createRequire } from "node:module";

const [base, token, shot] = process.argv.slice(2);
const require = createRequire(process.env.PLAYWRIGHT_PREFIX + "/node_modules/");
const { chromium } = require("playwright-core");

let passed = 0, failed = 0;
function check(what, ok) {
  if (ok) { passed++; console.log("ok: " + what); } else { failed++; console.log("FAIL: " + what); }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 460 } });
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });
  await page.goto(base + "/");
  check("the token form shows first", await page.isVisible("#login") && !(await page.isVisible("#view")));

  await page.fill("#token", "wrong-token");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.getElementById("err").textContent.length > 0);
  check("a wrong token is refused", (await page.textContent("#err")).includes("not accepted"));

  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("#rows tr", { timeout: 10000 });
  const text = await page.textContent("#view");
  check("the hosts render after the token is entered", text.includes("home.example.com") && text.includes("nas.example.com"));
  check("with their address and state", text.includes("8.8.4.4") && /updated|unchanged/.test(text));
  check("the token is kept in sessionStorage", (await page.evaluate(() => sessionStorage.getItem("dyncfdns-token"))) === token);

  await page.reload();
  await page.waitForSelector("#rows tr", { timeout: 10000 });
  check("a reload keeps the session", await page.isVisible("#view"));
  if (shot) await page.screenshot({ path: shot });

  await page.click("#forget");
  check("forgetting the token shows the form", await page.isVisible("#login"));
  check("no request leaves the status API", outside.length === 0);
} finally {
  await browser.close();
}
console.log(`page: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
