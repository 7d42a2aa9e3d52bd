"use strict";
// The public verify page: posts a bundle or a certificate PDF to /verify or asks /verify/{number},
// then shows the verdict and every check in Chinese and English. Everything shown is set as text,
// never HTML.

const CHECKS = {
  schema: ["证书格式", "Certificate format", "证书内容完整，字段有效", "The certificate is complete and its fields are valid"],
  digest: ["内容未被篡改", "Content unaltered", "证书内容与签发时完全一致", "The content is exactly what the centre issued"],
  signature: ["机构签名", "Centre's signature", "签名来自证书所列登记机构的密钥", "Signed with the key of the centre it names"],
  centre: ["登记机构", "Registration centre", "签发者是链上在册、状态有效的登记机构", "The issuer is an active centre of the consortium on chain"],
  anchor: ["链上存证", "Anchored on chain", "该机构已将证书存证上链", "That centre anchored the certificate on the chain"],
  status: ["证书状态", "Certificate status", "未被撤销、注销或替代", "Not revoked, cancelled or superseded"],
  validity: ["有效期", "Validity period", "今天在证书有效期内", "Today lies within the validity period"],
  pledges: ["质押情况", "Pledges", "链上登记的质押，按顺位排列", "Pledges registered on chain, in order of priority"],
  recognition: ["互认", "Mutual recognition", "核验机构认可签发机构", "The verifying centre recognises the issuing centre"],
};
const OUTCOMES = {
  passed: "✓ 通过 Passed",
  warning: "! 注意 Warning",
  failed: "✗ 未通过 Failed",
  skipped: "– 未检查 Not checked",
};
const VERDICTS = {
  valid: "✓ 证书有效 · Certificate valid",
  invalid: "✗ 证书无效 · Certificate not valid",
  error: "无法核验 · Could not verify",
  pending: "核验中… · Verifying…",
};

const $ = (selector) => document.querySelector(selector);

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function setVerdict(verdict) {
  $("#result").hidden = false;
  $("#verdict").dataset.verdict = verdict;
  $("#verdict").textContent = VERDICTS[verdict];
}

function clear() {
  $("#error").hidden = true;
  $("#error").textContent = "";
  $("#facts tbody").replaceChildren();
  $("#checks tbody").replaceChildren();
}

function fact(label, value) {
  const row = element("tr");
  row.append(element("th", label), element("td", value));
  $("#facts tbody").append(row);
}

function showReport(report) {
  fact("登记编号 Registration number", report.registration_number ?? "—");
  if (report.centre) {
    fact("登记机构 Centre", `${report.centre.name} (${report.centre.region_code})`);
  }
  fact("区块链 Chain id", String(report.chain_id));
  fact("区块高度 Block height", String(report.block_number));
  fact("核验日期 Checked on", report.checked_on);
  fact("CentreRegistry", report.contracts.centre_registry);
  fact("AnchorRegistry", report.contracts.anchor_registry);
  fact("CertificateRegistry", report.contracts.certificate_registry);
  fact("有效质押 Active pledges", String(report.pledges.length));
  for (const pledge of report.pledges) {
    const term = pledge.terms ? `, 期限 term ${pledge.terms.term_start} – ${pledge.terms.term_end}` : "";
    fact(`  顺位 Priority ${pledge.priority}`, `${pledge.pledge_id} (block ${pledge.registered_block}${term})`);
  }
  for (const check of report.checks) {
    const [zh, en, meaningZh, meaningEn] = CHECKS[check.name] ?? [check.name, check.name, "", ""];
    const row = element("tr", undefined, { "data-check": check.name, "data-outcome": check.outcome });
    const title = element("td");
    title.append(element("strong", zh), " ", element("span", en, { lang: "en" }),
      element("span", `${meaningZh} · ${meaningEn}`, { class: "meaning" }));
    row.append(
      element("td", String(check.step)),
      title,
      element("td", OUTCOMES[check.outcome], { class: "outcome", "data-outcome": check.outcome }),
      element("td", check.reason, { class: "reason" }),
    );
    $("#checks tbody").append(row);
  }
  setVerdict(report.verdict);
}

function showError(error) {
  const where = error.field ? ` [${error.field}]` : "";
  $("#error").textContent = `${error.message}${where} (${error.code})`;
  $("#error").hidden = false;
  setVerdict("error");
}

async function show(request) {
  clear();
  setVerdict("pending");
  try {
    const response = await request;
    const body = await response.json();
    if (response.ok) showReport(body);
    else showError(body.error ?? { code: `http_${response.status}`, message: response.statusText });
  } catch (failure) {
    showError({ code: "network", message: `节点无响应 The node did not answer: ${failure}` });
  }
}

function verifyBundle(text) {
  return show(fetch("/verify", { method: "POST", headers: { "content-type": "application/json" }, body: text }));
}

function verifyPdf(file) {
  return show(fetch("/verify", { method: "POST", headers: { "content-type": "application/pdf" }, body: file }));
}

function isPdf(file) {
  return file.type === "application/pdf" || file.name.toLowerCase().endsWith(".pdf");
}

function verifyNumber(number) {
  return show(fetch(`/verify/${encodeURIComponent(number.trim())}`));
}

document.addEventListener("DOMContentLoaded", () => {
  $("#bundle-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verifyBundle($("#bundle").value);
  });
  $("#number-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verifyNumber($("#number").value);
  });
  $("#bundle-file").addEventListener("change", async () => {
    const file = $("#bundle-file").files[0];
    if (!file) return;
    if (isPdf(file)) {
      $("#bundle").value = "";
      verifyPdf(file);
      return;
    }
    $("#bundle").value = await file.text();
    verifyBundle($("#bundle").value);
  });
  const number = new URLSearchParams(window.location.search).get("number");
  if (number) {
    $("#number").value = number;
    verifyNumber(number);
  }
});
