import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Project, Query, Users, type Models } from 'node-appwrite';
import { describeEachBackend, FakeClock, rejection, startServer, type TestServer } from '../../harness.ts';

/**
 * Query handling as Appwrite's validators and utopia-php/database 7.2.6 apply it: Validator/Query/Filter.php,
 * Limit.php, Offset.php, Order.php, Cursor.php, IndexedQueries.php, Query::groupByType and Database::find.
 * q3, q4 and q5 are created in the same millisecond, so only $sequence orders them.
 */
const SEED = [
  { userId: 'q1', name: 'Ada Lovelace', email: 'ada@q.test', phone: '+14155550001', advance: 1000 },
  { userId: 'q2', name: 'Grace Hopper', email: 'grace@q.test', advance: 1000 },
  { userId: 'q3', name: 'Tie Twin', email: 'tie3@q.test', advance: 1000 },
  { userId: 'q4', name: 'Tie Twin', email: 'tie4@q.test', advance: 0 },
  { userId: 'q5', name: 'Tie Twin', email: 'tie5@q.test', advance: 0 },
  { userId: 'q6', name: 'Alan Turing', email: 'alan@q.test', advance: 1000 },
];
const ALL = SEED.map((u) => u.userId);

describeEachBackend('list queries follow Appwrite\'s validators and paging', (backend) => {
  let t: TestServer;
  let users: Users;
  const clock = new FakeClock(Date.parse('2031-03-01T00:00:00.000Z'));

  before(async () => {
    t = await startServer(backend, { clock });
    users = new Users(t.server());
    for (const { advance, ...u } of SEED) {
      clock.advance(advance);
      await users.create(u);
    }
    await users.updateLabels({ userId: 'q1', labels: ['vip'] });
  });
  after(async () => t?.close());

  const ids = (l: Models.UserList) => l.users.map((u) => u.$id);
  const list = (queries: string[], search?: string) => users.list({ queries, ...(search === undefined ? {} : { search }) });
  const expectError = async (queries: string[], type: string, message?: string) => {
    const err = await rejection(list(queries));
    assert.deepEqual([err.code, err.type], [400, type], `${queries.join(' ')}: ${err.message}`);
    if (message !== undefined) assert.equal(err.message, message);
  };
  const invalid = (detail: string) => `Invalid \`queries\` param: Invalid query: ${detail}`;

  it('the first limit, offset and cursor win; the later ones are still validated', async () => {
    assert.deepEqual(ids(await list([Query.limit(2), Query.limit(5)])), ['q1', 'q2']);
    assert.deepEqual(ids(await list([Query.offset(1), Query.offset(4)])), ALL.slice(1));
    assert.deepEqual(ids(await list([Query.cursorAfter('q1'), Query.cursorAfter('q4')])), ALL.slice(1));
    assert.deepEqual(ids(await list([Query.cursorAfter('q4'), Query.cursorAfter('ghost')])), ['q5', 'q6'], 'only the first cursor is looked up');
    await expectError([Query.limit(2), Query.limit(0)], 'general_argument_invalid', invalid('Invalid limit: Value must be a valid range between 1 and 5,000'));
    await expectError([Query.cursorAfter('q1'), Query.cursorAfter('-bad')], 'general_argument_invalid');
  });

  it('offset has no 5,000 cap, and limit and offset accept integer strings but not fractions', async () => {
    const far = await list([Query.offset(6000)]);
    assert.deepEqual([far.users.length, far.total], [0, SEED.length]);
    assert.equal((await list([Query.offset(Number.MAX_SAFE_INTEGER)])).users.length, 0, 'the largest exact offset reaches the database safely');
    await expectError([Query.offset(Number.MAX_SAFE_INTEGER + 1)], 'general_argument_invalid');
    assert.deepEqual(ids(await list(['{"method":"limit","values":["2"]}', '{"method":"offset","values":["1"]}'])), ['q2', 'q3']);
    await expectError(['{"method":"limit","values":[1.5]}'], 'general_argument_invalid', invalid('Invalid limit: Value must be a valid range between 1 and 5,000'));
    await expectError(['{"method":"offset","values":["x"]}'], 'general_argument_invalid', invalid('Invalid offset: Value must be a valid number'));
  });

  it('notEqual takes exactly one value and equal at least one', async () => {
    assert.deepEqual(ids(await list([Query.notEqual('name', 'Tie Twin')])), ['q1', 'q2', 'q6']);
    await expectError([Query.notEqual('email', ['ada@q.test', 'grace@q.test'])], 'general_argument_invalid', invalid('NotEqual queries require exactly one value.'));
    await expectError([Query.equal('email', [])], 'general_argument_invalid', invalid('Equal queries require at least one value.'));
    await expectError([Query.equal('email', Array.from({ length: 501 }, (_, i) => String(i)))], 'general_argument_invalid', invalid('Query on attribute has greater than 500 values: email'));
    assert.deepEqual(ids(await list([Query.equal('email', ['ada@q.test', 'alan@q.test', 'none@q.test'])])), ['q1', 'q6'], 'several values match any');
  });

  it('an array attribute takes only contains and null checks; contains needs a string or array attribute', async () => {
    await expectError([Query.equal('labels', ['vip'])], 'general_argument_invalid', invalid('Cannot query equal on attribute "labels" because it is an array.'));
    await expectError([Query.startsWith('labels', 'v')], 'general_argument_invalid');
    assert.deepEqual(ids(await list([Query.contains('labels', ['vip'])])), ['q1']);
    assert.equal((await list([Query.isNotNull('labels')])).total, SEED.length);
    await expectError([Query.contains('status', [true])], 'general_argument_invalid', invalid('Cannot query contains on attribute "status" because it is not an array, string, or object.'));
    await expectError([Query.notContains('registration', ['2031-03-01T00:00:01.000+00:00'])], 'general_argument_invalid', invalid('Cannot query notContains on attribute "registration" because it is not an array, string, or object.'));
    assert.deepEqual(ids(await list([Query.contains('name', ['love'])])), ['q1'], 'contains on a string attribute is a substring match');
  });

  it('search and notSearch need a fulltext index, which no allowed attribute has: 400 general_query_invalid after param checks', async () => {
    await expectError([Query.search('name', 'ada')], 'general_query_invalid', 'Searching by attribute "name" requires a fulltext index.');
    await expectError([Query.notSearch('email', 'ada')], 'general_query_invalid');
    await expectError([Query.or([Query.equal('name', ['x']), Query.search('name', 'ada')])], 'general_query_invalid');
    await expectError([Query.search('name', 'ada'), Query.limit(0)], 'general_argument_invalid');
    await expectError([Query.search('nickname', 'ada')], 'general_argument_invalid', invalid('Attribute not found in schema: nickname'));
  });

  it('and / or take at least two nested filter objects', async () => {
    assert.deepEqual(ids(await list([Query.or([Query.equal('name', ['Ada Lovelace']), Query.equal('email', ['grace@q.test'])])])), ['q1', 'q2']);
    assert.deepEqual(ids(await list([Query.and([Query.startsWith('name', 'Tie'), Query.notEqual('$id', 'q4')])])), ['q3', 'q5']);
    await expectError([Query.or([Query.equal('name', ['Ada Lovelace'])])], 'general_argument_invalid', invalid('Or queries require at least two queries'));
    const nestedLimit = '{"method":"or","values":[{"method":"limit","values":[1]},{"method":"equal","attribute":"name","values":["x"]}]}';
    await expectError([nestedLimit], 'general_argument_invalid', invalid('Or queries can only contain filter queries'));
    const nestedStrings = JSON.stringify({ method: 'and', values: [Query.equal('name', ['x']), Query.equal('email', ['y'])] });
    await expectError([nestedStrings], 'general_argument_invalid');
  });

  it('order needs an attribute, exists needs values, select is no method here, and bad shapes are refused', async () => {
    await expectError(['{"method":"orderAsc"}'], 'general_argument_invalid', invalid('Attribute not found in schema: '));
    await expectError(['{"method":"exists","attribute":"name"}'], 'general_argument_invalid', invalid('Exists queries require at least one value.'));
    await expectError([Query.select(['name'])], 'general_argument_invalid', 'Invalid `queries` param: Invalid query method: select');
    await expectError(['{"method":"equal","attribute":5,"values":["x"]}'], 'general_argument_invalid');
    await expectError(['"just a string"'], 'general_argument_invalid');
    await expectError(['{"method":"regex","attribute":"name","values":["^A"]}'], 'general_argument_invalid', invalid('Invalid query method: regex'));
    await expectError([Query.cursorAfter('-x')], 'general_argument_invalid', invalid("Invalid cursor: UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore"));
  });

  it('ties under a $createdAt order break by sequence in that order\'s direction, other orders break ascending', async () => {
    assert.deepEqual(ids(await list([Query.orderDesc('$createdAt')])), [...ALL].reverse());
    assert.deepEqual(ids(await list([Query.orderAsc('$createdAt')])), ALL);
    assert.deepEqual(ids(await list([Query.orderDesc('name')])), ['q3', 'q4', 'q5', 'q2', 'q6', 'q1']);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 5; guard++) {
      const page = await list([Query.orderDesc('$createdAt'), Query.limit(2), ...(cursor ? [Query.cursorAfter(cursor)] : [])]);
      seen.push(...ids(page));
      if (page.users.length < 2) break;
      cursor = page.users[1].$id;
    }
    assert.deepEqual(seen, [...ALL].reverse(), 'cursor pages through the tie without skipping or repeating');
    assert.deepEqual(ids(await list([Query.orderDesc('$createdAt'), Query.limit(2), Query.cursorBefore('q3')])), ['q5', 'q4']);
  });

  it('a missing cursor names the item; a null order value under a cursor names the attribute', async () => {
    await expectError([Query.cursorAfter('ghost')], 'general_cursor_not_found', "User 'ghost' for the 'cursor' value not found.");
    await expectError(
      [Query.orderAsc('phone'), Query.cursorAfter('q2')],
      'database_query_order_null',
      "The order attribute 'phone' had a null value. Cursor pagination requires all documents order attribute values are non-null.",
    );
    const target = await rejection(users.listTargets({ userId: 'q1', queries: [Query.cursorAfter('nope')] }));
    assert.deepEqual([target.code, target.type, target.message], [400, 'general_cursor_not_found', "Target 'nope' for the 'cursor' value not found."]);
    const platform = await rejection(new Project(t.server()).listPlatforms({ queries: [Query.cursorAfter('nope')] }));
    assert.deepEqual([platform.code, platform.type, platform.message], [400, 'general_cursor_not_found', "Platform 'nope' for the 'cursor' value not found."]);
  });

  it('a search of only blanks matches no user', async () => {
    assert.deepEqual(ids(await list([], '   ')), []);
    assert.deepEqual(ids(await list([], 'lovelace')), ['q1']);
  });
});
