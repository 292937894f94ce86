// nova.dgx: check the request before anything runs; build the command from checked values only.
// The role fills in RUN (the control node's nova-dgx command: an absolute path made of safe characters).
const RUN = '__NOVA_RUN_COMMAND__';
const PLAYBOOK = /^(site\.yml|playbooks\/[a-z0-9_-]+\.yml)$/;
// Ansible host patterns without spaces, quotes, $ ; ` | & < > ( ) \ / ~ @ or a leading '-'
// ('&' is allowed: inside single quotes it is only a pattern intersection).
const LIMIT = /^[A-Za-z0-9_.:&!*,\[\]-]{1,256}$/;
const TAGS = /^[A-Za-z0-9_.,-]{1,256}$/;
const PATHRE = /^\/[A-Za-z0-9_.\/-]+$/;
const FIELDS = ['playbook', 'limit', 'tags', 'check'];

const body = $input.first().json.body;
const given = (body && typeof body === 'object' && !Array.isArray(body)) ? body : {};
const echo = (v) => (typeof v === 'string' ? v.slice(0, 256) : null);
const refuse = (error, httpStatus = 400) => [{ json: {
  valid: false, httpStatus,
  response: { status: 'error', rc: httpStatus === 400 ? 4 : 1, error, playbook: echo(given.playbook), limit: echo(given.limit) },
} }];

if (!PATHRE.test(RUN)) return refuse('the workflow is not configured (the nova-dgx command)', 500);
if (!body || typeof body !== 'object' || Array.isArray(body)) {
  return refuse('the request body must be a JSON object naming playbook and limit (Content-Type: application/json)');
}
const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
if (unknown.length) return refuse(`unknown field(s): ${unknown.join(', ').slice(0, 200)}; allowed: ${FIELDS.join(', ')}`);
const { playbook, limit } = body;
if (playbook === undefined || playbook === null || playbook === '') return refuse('playbook is required (site.yml or playbooks/<name>.yml)');
if (typeof playbook !== 'string' || !PLAYBOOK.test(playbook)) return refuse('playbook must be site.yml or playbooks/<name>.yml (lower-case letters, digits, _ and -)');
if (limit === undefined || limit === null || limit === '') return refuse('limit is required (a host, a group or a pattern; "all" for every host)');
if (typeof limit !== 'string' || !LIMIT.test(limit) || limit.startsWith('-')) {
  return refuse('limit may only contain letters, digits and _ . : & ! * , [ ] - (no spaces or quotes), at most 256 characters');
}
let tags = '';
if (body.tags !== undefined && body.tags !== null && body.tags !== '') {
  if (typeof body.tags !== 'string' || !TAGS.test(body.tags) || body.tags.startsWith('-')) {
    return refuse('tags must be a comma-separated string of letters, digits and _ . -');
  }
  tags = body.tags;
}
if (body.check !== undefined && typeof body.check !== 'boolean') return refuse('check must be true or false (default true)');
const check = body.check !== false; // check mode unless the caller says exactly false

// Every value is restricted to characters that need no escaping inside single quotes.
const q = (s) => `'${s}'`;
// nova-dgx runs python -m nova_dgx from the control node's current release with its settings (roles/n8n).
let command = `exec env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 ${q(RUN)} run ${q(playbook)} --limit=${q(limit)}`;
if (tags) command += ` --tags=${q(tags)}`;
if (check) command += ' --check';
command += ' --always-exit-zero';
return [{ json: { valid: true, playbook, limit, tags, check, command } }];
