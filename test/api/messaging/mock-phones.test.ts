import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ID, Project } from 'node-appwrite';
import { describeEachBackend, expectError, startServer, type TestServer } from '../../harness.ts';
import { MOCK_PHONES_MAX } from '../../../src/messaging/messaging.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

describeEachBackend('mock phone numbers (project.createMockPhone and friends)', (backend) => {
  let t: TestServer;
  let project: Project;
  before(async () => {
    // No SMS provider: mock numbers need none.
    t = await startServer(backend);
    project = new Project(t.server());
  });
  after(async () => t?.close());

  it('create, get, update and delete a number; the flows read its code through MessagingService.mockOtp', async () => {
    const created = await project.createMockPhone({ number: '+15550100001', otp: '123456' });
    assert.deepEqual(Object.keys(created).sort(), ['$createdAt', '$updatedAt', 'number', 'otp']);
    assert.deepEqual([created.number, created.otp], ['+15550100001', '123456']);
    assert.match(created.$createdAt, ISO);
    assert.deepEqual({ ...(await project.getMockPhone({ number: '+15550100001' })) }, { ...created });
    assert.equal(await t.container.messaging.mockOtp(t.projectId, '+15550100001'), '123456');
    assert.equal(await t.container.messaging.mockOtp(t.projectId, '+15550100002'), null, 'any other number is not a mock');
    assert.equal(await t.container.messaging.mockOtp('another-project', '+15550100001'), null, 'nor is it one in another project');

    const updated = await project.updateMockPhone({ number: '+15550100001', otp: '654321' });
    assert.equal(updated.otp, '654321');
    assert.equal(updated.$createdAt, created.$createdAt);
    assert.equal(await t.container.messaging.mockOtp(t.projectId, '+15550100001'), '654321');

    await project.deleteMockPhone({ number: '+15550100001' });
    assert.equal(await t.container.messaging.mockOtp(t.projectId, '+15550100001'), null);
    await expectError(project.getMockPhone({ number: '+15550100001' }), 404, 'mock_number_not_found');
    await expectError(project.updateMockPhone({ number: '+15550100001', otp: '111111' }), 404, 'mock_number_not_found');
    await expectError(project.deleteMockPhone({ number: '+15550100001' }), 404, 'mock_number_not_found');
  });

  it('a number can be a mock once per project (409), and the code must be six digits and the number E.164 (400)', async () => {
    await project.createMockPhone({ number: '+15550100011', otp: '000111' });
    await expectError(project.createMockPhone({ number: '+15550100011', otp: '222333' }), 409, 'mock_number_already_exists');
    assert.equal((await project.getMockPhone({ number: '+15550100011' })).otp, '000111');
    await expectError(project.createMockPhone({ number: '+15550100012', otp: '12345' }), 400, 'general_argument_invalid');
    await expectError(project.createMockPhone({ number: '+15550100012', otp: '12345a' }), 400, 'general_argument_invalid');
    await expectError(project.createMockPhone({ number: '5550100012', otp: '123456' }), 400, 'general_argument_invalid');
    await expectError(project.updateMockPhone({ number: '+15550100011', otp: '1234567' }), 400, 'general_argument_invalid');
    await expectError(project.getMockPhone({ number: 'not-a-phone' }), 400, 'general_argument_invalid');
  });

  it('lists with limit, offset and total; other queries are refused', async () => {
    for (const n of ['+15550100021', '+15550100022', '+15550100023']) await project.createMockPhone({ number: n, otp: '999000' });
    const all = await project.listMockPhones();
    const mine = all.mockNumbers.map((m) => m.number).filter((n) => n.startsWith('+1555010002'));
    assert.deepEqual(mine, ['+15550100021', '+15550100022', '+15550100023'], 'in the order they were made');
    assert.equal(all.total, all.mockNumbers.length);
    const page = await project.listMockPhones({ queries: ['{"method":"limit","values":[1]}', '{"method":"offset","values":[1]}'] });
    assert.deepEqual([page.mockNumbers.length, page.total], [1, all.total]);
    assert.equal((await project.listMockPhones({ total: false })).total, 0);
    await expectError(project.listMockPhones({ queries: ['{"method":"equal","attribute":"number","values":["+15550100021"]}'] }), 400, 'general_argument_invalid');
  });

  it('a project holds at most 5000 mock numbers (400 mock_number_limit_exceeded)', async () => {
    const other = 'mock-limit';
    await t.container.projects.create(other, 'Mock limit');
    const key = await t.container.keys.create({ projectId: other, id: ID.unique(), name: 'k', scopes: ['mocks.read', 'mocks.write'], expire: null });
    const p = new Project(new Client().setEndpoint(t.endpoint).setProject(other).setKey(key.secret!));
    const now = Date.now();
    const rows = Array.from({ length: MOCK_PHONES_MAX }, (_, i) => ({ project_id: other, phone: `+1444${String(i).padStart(7, '0')}`, otp: '123456', created_at: now, updated_at: now }));
    for (let i = 0; i < rows.length; i += 500) await t.container.db.insertInto('mock_phones').values(rows.slice(i, i + 500)).execute();
    await expectError(p.createMockPhone({ number: '+15550100031', otp: '123456' }), 400, 'mock_number_limit_exceeded');
    await p.deleteMockPhone({ number: '+14440000000' });
    await p.createMockPhone({ number: '+15550100031', otp: '123456' });
    assert.equal((await p.listMockPhones({ queries: ['{"method":"limit","values":[1]}'] })).total, MOCK_PHONES_MAX);
  });

  it('the 5000 limit holds under 12 concurrent creates: exactly the free places are taken', async () => {
    const other = 'mock-race';
    await t.container.projects.create(other, 'Mock race');
    const now = Date.now();
    const rows = Array.from({ length: MOCK_PHONES_MAX - 5 }, (_, i) => ({ project_id: other, phone: `+1333${String(i).padStart(7, '0')}`, otp: '123456', created_at: now, updated_at: now }));
    for (let i = 0; i < rows.length; i += 500) await t.container.db.insertInto('mock_phones').values(rows.slice(i, i + 500)).execute();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => t.container.mockPhones.create(other, `+1222000${String(i).padStart(4, '0')}`, '123456')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
    assert.ok(results.every((r) => r.status === 'fulfilled' || (r.reason as { type?: string }).type === 'mock_number_limit_exceeded'));
    assert.equal((await t.container.mockPhones.list(other, { limit: 1, offset: 0 }, true)).total, MOCK_PHONES_MAX);
  });

  it('needs the mocks.read / mocks.write scopes', async () => {
    const key = await t.container.keys.create({ projectId: t.projectId, id: ID.unique(), name: 'read only', scopes: ['mocks.read'], expire: null });
    const p = new Project(new Client().setEndpoint(t.endpoint).setProject(t.projectId).setKey(key.secret!));
    await p.listMockPhones();
    await expectError(p.createMockPhone({ number: '+15550100041', otp: '123456' }), 401, 'general_unauthorized_scope');
  });
});
