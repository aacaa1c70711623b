import type { ProviderProfile, ResourceReader } from './adapters.ts';

/**
 * How the user info of the providers added after the first set maps to a profile, field by field as
 * Appwrite's adapters read it (src/Appwrite/Auth/OAuth2/<Provider>.php). Where Appwrite says a provider
 * exposes no verification signal, the address is unverified: such a login never links to an existing
 * account by e-mail.
 */

type Json = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
/** A verification flag as providers send it: true, 1, "true" or "1" (a string "false" is not verified). */
const yes = (v: unknown): boolean => v === true || v === 1 || v === 'true' || v === '1';
const full = (...parts: unknown[]): string => parts.map(str).filter(Boolean).join(' ');

/** A profile from four fields of one object; `verified` is the provider's flag, or false when it has none. */
const plain = (uid: unknown, email: unknown, verified: boolean, name: unknown): ProviderProfile => ({ uid: str(uid), email: str(email), verified, name: str(name) });

/** Appwrite Cloud: standard OpenID Connect claims. */
export async function appwriteProfile(claims: Json) {
  return plain(claims.sub, claims.email, yes(claims.email_verified), claims.name);
}

export async function amazonProfile(u: Json) {
  return plain(u.user_id, u.email, false, u.name);
}

export async function autodeskProfile(u: Json) {
  return plain(u.userId, u.emailId, yes(u.emailVerified), u.userName);
}

/** Bitbucket's /user has no address: the first confirmed one of /user/emails is used, verified. */
export async function bitbucketProfile(u: Json, read: ResourceReader): Promise<ProviderProfile> {
  const emails = obj(await read('https://api.bitbucket.org/2.0/user/emails').catch(() => ({})));
  const confirmed = list(emails.values).find((e) => e.is_confirmed === true);
  return plain(u.uuid, confirmed ? confirmed.email : u.email, !!confirmed, u.display_name);
}

/** Bitly: only a verified address is taken. */
export async function bitlyProfile(u: Json) {
  const verified = list(u.emails).find((e) => e.is_verified === true);
  return plain(u.login, verified?.email, !!verified, u.name);
}

export async function boxProfile(u: Json) {
  return plain(u.id, u.login, false, u.name);
}

export async function dailymotionProfile(u: Json) {
  return plain(u.id, u.email, yes(u.verified), u.fullname);
}

/** Disqus wraps the user in `response`. */
export async function disqusProfile(body: Json) {
  const u = obj(body.response);
  return plain(u.id, u.email, false, u.name);
}

export async function dropboxProfile(u: Json) {
  return plain(u.account_id, u.email, yes(u.email_verified), obj(u.name).display_name);
}

/** Etsy's access token starts with the user id ("<id>.<token>"); the user is read by that id. */
export async function etsyProfile(_claims: Json, read: ResourceReader, _params?: Record<string, string>, accessToken = ''): Promise<ProviderProfile> {
  const uid = accessToken.split('.')[0];
  if (!uid) return plain('', '', false, '');
  const u = obj(await read(`https://api.etsy.com/v3/application/users/${encodeURIComponent(uid)}`));
  return plain(uid, u.primary_email, false, u.login_name);
}

export async function facebookProfile(u: Json) {
  return plain(u.id, u.email, false, u.name);
}

export async function figmaProfile(u: Json) {
  return plain(u.id, u.email, false, u.handle);
}

/** Kick lists the caller as the first of `data`. */
export async function kickProfile(body: Json) {
  const u = list(body.data)[0] ?? {};
  return plain(u.user_id, u.email, false, u.name);
}

/** Notion's /users/me is the integration's bot; the person who authorised it is its owner. */
export async function notionProfile(body: Json) {
  const user = obj(obj(obj(body.bot).owner).user);
  return plain(user.id, obj(user.person).email, false, user.name);
}

/** PayPal: the primary address; verified_account says whether PayPal verified the account. */
export async function paypalProfile(u: Json) {
  const primary = list(u.emails).find((e) => e.primary === true);
  return plain(u.payer_id, primary?.value, yes(u.verified_account), u.name);
}

/** Podio: verified is that of the main address in `mails`; the name is in /user/profile. */
export async function podioProfile(u: Json, read: ResourceReader): Promise<ProviderProfile> {
  const main = list(u.mails).find((m) => m.mail === u.mail);
  const profile = obj(await read('https://api.podio.com/user/profile').catch(() => ({})));
  return plain(u.user_id, u.mail, yes(main?.verified), profile.name);
}

export async function salesforceProfile(u: Json) {
  return plain(u.user_id, u.email, yes(u.email_verified), u.name);
}

/** Slack's OpenID Connect claims; Appwrite treats its address as unverified. */
export async function slackProfile(claims: Json) {
  return plain(claims.sub, claims.email, false, claims.name);
}

export async function spotifyProfile(u: Json) {
  return plain(u.id, u.email, false, u.display_name);
}

export async function stripeProfile(u: Json) {
  return plain(u.id, u.email, false, u.name);
}

export async function tradeshiftProfile(u: Json) {
  return plain(u.Id, u.Username, false, full(u.FirstName, u.LastName));
}

/** Twitch lists the caller as the first of `data`. */
export async function twitchProfile(body: Json) {
  const u = list(body.data)[0] ?? {};
  return plain(u.id, u.email, false, u.display_name);
}

/** WordPress gives the address only when the account is verified; email_verified says whether it is. */
export async function wordpressProfile(u: Json) {
  return plain(u.ID, yes(u.verified) ? u.email : '', yes(u.email_verified), u.username);
}

/** X fills confirmed_email only once the address is confirmed, so its presence is the verification. */
export async function xProfile(body: Json) {
  const u = obj(body.data);
  return plain(u.id, u.confirmed_email, !!str(u.confirmed_email), u.name);
}

export async function yammerProfile(u: Json) {
  return plain(u.id, u.email, false, u.full_name);
}

export async function yandexProfile(u: Json) {
  return plain(u.id, u.default_email, false, u.display_name);
}

/** Zoom: verified is the integer 1. */
export async function zoomProfile(u: Json) {
  return plain(u.id, u.email, u.verified === 1, full(u.first_name, u.last_name));
}
