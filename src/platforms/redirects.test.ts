import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertRedirect, isRedirectAllowed, linkWith } from './redirects.ts';
import { DEFAULT_AUTHS, type Project } from '../projects/projects.ts';

const project: Project = {
  id: 'shop',
  name: 'Shop',
  settings: { auths: DEFAULT_AUTHS },
  originHosts: ['app.example.com', '*.preview.example.com'],
  originSchemes: ['appwrite-android'],
  createdAt: 0,
  updatedAt: 0,
};
const SERVER = ['auth.example.com'];

describe('redirect URLs', () => {
  it("admits the project's web hostnames, the server's own, localhost and its loopback spellings", () => {
    for (const url of [
      'https://app.example.com/done', 'http://APP.example.com:8080/x?y=1', 'https://a.b.preview.example.com/', 'https://auth.example.com/v1',
      'http://localhost:3000/cb', 'http://127.0.0.1:5173/', 'http://[::1]/', 'appwrite-android://callback', 'appwrite-callback-shop://x',
    ]) {
      assert.ok(isRedirectAllowed(url, project, SERVER), url);
    }
  });

  it('refuses other hosts, look-alike suffixes, the bare wildcard domain and unknown schemes', () => {
    for (const url of [
      'https://evil.example/', 'https://app.example.com.evil.example/', 'https://evilapp.example.com/', 'https://preview.example.com/',
      'javascript:alert(1)', 'appwrite-ios://x', 'appwrite-callback-other://x', '//app.example.com/', 'not a url', '',
    ]) {
      assert.equal(isRedirectAllowed(url, project, SERVER), false, url);
    }
  });

  it("answers Appwrite's Redirect validator text for the param", () => {
    assert.throws(() => assertRedirect('url', 'https://evil.example/x', project, SERVER), {
      type: 'general_argument_invalid',
      message: 'Invalid `url` param: Invalid URI. Register your new client (evil.example) as a new Web platform on your project console dashboard',
    });
    assert.throws(() => assertRedirect('success', 'nonsense', project, SERVER), { message: 'Invalid `success` param: Invalid URI.' });
  });

  it("adds the flow's values to the link's query, replacing the caller's own of the same name", () => {
    const link = new URL(linkWith('https://app.example.com/cb?secret=mine&keep=1#frag', { userId: 'u1', secret: 'a+b' }));
    assert.deepEqual([...link.searchParams], [['secret', 'a+b'], ['keep', '1'], ['userId', 'u1']]);
    assert.equal(link.hash, '#frag');
  });
});
