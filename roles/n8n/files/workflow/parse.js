// nova.dgx: the runner's JSON becomes the HTTP response; its status picks the HTTP code.
const req = $('Validate request').first().json;
const r = $input.first().json;
let res = null;
if (r.error === undefined && typeof r.stdout === 'string') {
  try { res = JSON.parse(r.stdout); } catch (e) { res = null; }
}
if (!res || typeof res !== 'object' || Array.isArray(res) || typeof res.status !== 'string') {
  const why = r.error !== undefined ? `the command failed: ${String(r.error).split('\n')[0].slice(0, 300)}`
    : 'the runner printed no JSON object';
  res = { status: 'error', rc: 1, error: `${why} (see this execution in n8n)`, playbook: req.playbook, limit: req.limit };
}
// 200 successful; 409 busy (another run holds a host); 422 the playbook ran and failed
// (failed, timeout, canceled); 400 the runner refused the input (rc 4: nothing ran); 500 anything else.
const CODES = { successful: 200, busy: 409, failed: 422, timeout: 422, canceled: 422 };
const httpStatus = CODES[res.status] ?? (res.status === 'error' && res.rc === 4 ? 400 : 500);
const notify = {
  text: `nova.dgx ${req.playbook} (${req.limit})${req.check ? ' [check]' : ''}: ${res.status}`,
  playbook: req.playbook, limit: req.limit, tags: req.tags, check: req.check,
  status: res.status, rc: res.rc ?? null, error: res.error ?? null, ident: res.ident ?? null,
  journal_report: res.journal_report ?? null, busy: res.busy ?? null, hosts: res.hosts ?? [],
};
return [{ json: { response: res, httpStatus, notify } }];
