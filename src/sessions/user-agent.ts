/**
 * The device fields Appwrite shows on a session, read from the User-Agent. Appwrite fills them with
 * utopia-php/user-agent (Appwrite src/Appwrite/Detector/Detector.php), whose rules reproduce Matomo
 * device-detector's answers for common agents; this is a dependency-free reading of the same rules.
 * Every field Appwrite leaves unknown is "" here (Session model defaults, Session.php:79-150).
 * Anyone can send any agent, so every rule runs in time linear in the (capped) input: no regex here may
 * put two quantifiers that can match the same characters side by side (user-agent.test.ts times it).
 * The Matomo ports on npm were measured and not used: device-detector-js has no short codes, stale
 * models and a ~350 ms first parse; node-device-detector is accurate but takes 5-120 ms an agent.
 */
export interface DeviceInfo {
  osCode: string;
  osName: string;
  osVersion: string;
  clientType: string;
  clientCode: string;
  clientName: string;
  clientVersion: string;
  clientEngine: string;
  clientEngineVersion: string;
  deviceName: string;
  deviceBrand: string;
  deviceModel: string;
}

type Os = [code: string, name: string, version?: string | null];
type Client = [type: string, code: string, name: string, version?: string | null, engine?: string, engineVersion?: string | null];
type Device = [type: string, brand?: string | null, model?: string | null];

const has = (ua: string, token: string) => ua.toLowerCase().includes(token.toLowerCase());
const isDotOrDash = (c: number) => c === 0x2e || c === 0x2d;
/** "10_15_7" → "10.15.7"; strips stray dots and dashes at either end (by hand: `[.-]+$` is quadratic on "1....1"). */
function clean(v: string): string {
  const s = v.replace(/_/g, '.');
  let start = 0;
  let end = s.length;
  while (start < end && isDotOrDash(s.charCodeAt(start))) start++;
  while (end > start && isDotOrDash(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}
/** Major.minor only, as Matomo reports browser and macOS versions. */
const short = (v: string) => clean(v).split('.').slice(0, 2).join('.');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** The version after `token/`. */
const slashVersion = (ua: string, token: string): string | null => {
  const m = new RegExp(`${escape(token)}/([0-9.]+)`, 'i').exec(ua);
  return m ? clean(m[1]) : null;
};
/** The version after `token ` or `token/`. */
const spacedVersion = (ua: string, token: string): string | null => {
  const m = new RegExp(`${escape(token)}[ /]([0-9][0-9._]*)`, 'i').exec(ua);
  return m ? clean(m[1]) : null;
};

// ---------------------------------------------------------------- operating system

const WINDOWS_VERSIONS: Record<string, string> = {
  '10.0': '10', '6.4': '10', '6.3': '8.1', '6.2': '8', '6.1': '7', '6.0': 'Vista', '5.2': 'XP', '5.1': 'XP', '5.0': '2000',
};
/** Code → [name, token]; the more specific names first. */
const LINUX_DISTROS: [string, string, string][] = [
  ['UBT', 'Ubuntu', 'Ubuntu'], ['KBT', 'Kubuntu', 'Kubuntu'], ['XBT', 'Xubuntu', 'Xubuntu'], ['LBT', 'Lubuntu', 'Lubuntu'],
  ['MIN', 'Mint', 'Linux Mint'], ['DEB', 'Debian', 'Debian'], ['KAL', 'Kali', 'Kali'], ['RAS', 'Raspbian', 'Raspbian'],
  ['FED', 'Fedora', 'Fedora'], ['RHT', 'Red Hat', 'Red Hat'], ['CES', 'CentOS', 'CentOS'], ['ROC', 'Rocky Linux', 'Rocky'],
  ['ARL', 'Arch Linux', 'Arch'], ['MJR', 'Manjaro', 'Manjaro'], ['GNT', 'Gentoo', 'Gentoo'], ['SLW', 'Slackware', 'Slackware'],
  ['SSE', 'SUSE', 'SUSE'], ['ORA', 'Oracle Linux', 'Oracle'],
];

function appleOs(ua: string): Os | null {
  const version = () => {
    const m = /(?:CPU (?:iPhone )?OS|iPhone OS|OS)[ /]([0-9_]+)/i.exec(ua);
    return m ? clean(m[1]) : null;
  };
  if (has(ua, 'AppleTV') || has(ua, 'tvOS')) return ['ATV', 'tvOS', spacedVersion(ua, 'tvOS')];
  if (has(ua, 'Watch OS') || has(ua, 'WatchOS')) return ['WAS', 'watchOS', spacedVersion(ua, 'WatchOS') ?? spacedVersion(ua, 'Watch OS')];
  if (has(ua, 'iPad')) return ['IPA', 'iPadOS', version()];
  if (/iPhone|iPod/i.test(ua) || /(?:CPU (?:iPhone )?OS|iPhone OS)[ /][0-9_]+/i.test(ua)) return ['IOS', 'iOS', version()];
  return null;
}

function linuxOs(ua: string): Os | null {
  if (!has(ua, 'Linux') && !has(ua, 'X11')) return null;
  for (const [code, name, token] of LINUX_DISTROS) {
    if (new RegExp(`\\b${escape(token)}\\b`, 'i').test(ua)) return [code, name, spacedVersion(ua, token)];
  }
  return null;
}

function detectOs(ua: string): Os | null {
  let m: RegExpExecArray | null;
  if ((m = /Windows Phone(?: OS)?[ /]([0-9._]+)/i.exec(ua))) return ['WPH', 'Windows Phone', clean(m[1])];
  if ((m = /Windows NT[ /]([0-9.]+)/i.exec(ua))) return ['WIN', 'Windows', WINDOWS_VERSIONS[m[1]] ?? m[1]];
  if (has(ua, 'OpenHarmony')) return ['OHS', 'OpenHarmony', spacedVersion(ua, 'OpenHarmony')];
  if (has(ua, 'HarmonyOS')) return ['HAR', 'HarmonyOS', spacedVersion(ua, 'HarmonyOS')];
  const apple = appleOs(ua);
  if (apple) return apple;
  // Fire OS is Android underneath, so it is told apart first.
  if (has(ua, 'Android') && /Silk\/|\bKF[A-Z0-9]{2,}\b|\bAFT[A-Z0-9]+\b/i.test(ua)) return ['FIR', 'Fire OS'];
  if ((m = /Android(?: |\/)([0-9][0-9._-]*)/i.exec(ua))) return ['AND', 'Android', clean(m[1])];
  if (has(ua, 'Android')) return ['AND', 'Android'];
  if ((m = /KaiOS[ /]([0-9.]+)/i.exec(ua))) return ['KOS', 'KaiOS', clean(m[1])];
  if ((m = /Tizen[ /]([0-9.]+)/i.exec(ua))) return ['TIZ', 'Tizen', clean(m[1])];
  if ((m = /CrOS [^ )]+ ([0-9.]+)/i.exec(ua))) return ['COS', 'Chrome OS', clean(m[1])];
  if (has(ua, 'web0S') || has(ua, 'webOS')) {
    m = /(?:web0S|webOS)[ /]([0-9.]+)/i.exec(ua);
    return ['WOS', 'webOS', m ? clean(m[1]) : null];
  }
  if (has(ua, 'Sailfish')) return ['SAF', 'Sailfish OS'];
  if (/BlackBerry|BB10|RIM Tablet OS/i.test(ua)) return ['BLB', 'BlackBerry OS'];
  if (/Nintendo (?:Switch|Wii ?U?|3DS)/i.test(ua)) return ['WII', 'Nintendo'];
  if (has(ua, 'PlayStation')) return ['PS3', 'PlayStation'];
  const distro = linuxOs(ua);
  if (distro) return distro;
  if (has(ua, 'Mac OS X') && !has(ua, 'like Mac OS X')) {
    m = /Mac OS X[ /]([0-9_.]+)/i.exec(ua);
    return ['MAC', 'Mac', m ? short(m[1]) : null];
  }
  if (has(ua, 'Linux') || has(ua, 'X11')) return ['LIN', 'GNU/Linux'];
  return null;
}

// ---------------------------------------------------------------- client

/** Chromium derivatives with their own token: [pattern, code, name]. */
const DERIVATIVES: [RegExp, string, string][] = [
  [/coc_coc_browser\/([0-9.]+)/i, 'CC', 'Coc Coc'],
  [/Vivaldi\/([0-9.]+)/i, 'VI', 'Vivaldi'],
  [/YaBrowser\/([0-9.]+)/i, 'YA', 'Yandex Browser'],
  [/Brave\/([0-9.]+)/i, 'BR', 'Brave'],
  [/Whale\/([0-9.]+)/i, 'WH', 'Whale Browser'],
  [/UCBrowser\/([0-9.]+)/i, 'UC', 'UC Browser'],
  [/(?:MQQBrowser|QQBrowser)\/([0-9.]+)/i, 'QQ', 'QQ Browser'],
  [/DuckDuckGo\/([0-9.]+)/i, 'DD', 'DuckDuckGo Privacy Browser'],
  [/Silk\/([0-9.]+)/i, 'MS', 'Mobile Silk'],
];
/** HTTP libraries: no client code, major.minor version. */
const LIBRARIES: [RegExp, string][] = [
  [/curl\/([0-9.]+)/i, 'curl'], [/Wget\/([0-9.]+)/i, 'Wget'], [/PostmanRuntime\/([0-9.]+)/i, 'Postman Runtime'],
  [/okhttp\/([0-9.]+)/i, 'OkHttp'], [/Dart\/([0-9.]+)/i, 'Dart'], [/GuzzleHttp\/([0-9.]+)/i, 'Guzzle'],
  [/python-requests\/([0-9.]+)/i, 'Python Requests'], [/Python-urllib\/?([0-9.]*)/i, 'Python urllib'],
  [/aiohttp\/([0-9.]+)/i, 'aiohttp'], [/Go-http-client\/([0-9.]+)/i, 'Go-http-client'], [/node-fetch\/([0-9.]+)/i, 'Node Fetch'],
  [/axios\/([0-9.]+)/i, 'Axios'], [/HTTPie\/([0-9.]+)/i, 'HTTPie'], [/Apache-HttpClient\/([0-9.]+)/i, 'Apache HTTP Client'],
  [/Java-http-client\/([0-9.]+)/i, 'Java HTTP Client'], [/Java\/([0-9._]+)/i, 'Java'], [/got\/([0-9.]+)/i, 'got'],
];

const isMobile = (ua: string) => has(ua, 'Mobile') || has(ua, 'Android');

function derivative(ua: string, code: string, name: string, version: string): Client {
  const chrome = slashVersion(ua, 'Chrome');
  if (chrome !== null) return ['browser', code, name, short(version), 'Blink', chrome];
  const webkit = slashVersion(ua, 'AppleWebKit');
  if (webkit !== null) return ['browser', code, name, short(version), 'WebKit', webkit];
  return ['browser', code, name, short(version)];
}

function chromiumBrand(ua: string): Client | null {
  let m: RegExpExecArray | null;
  if ((m = /(?:EdgA|EdgiOS|Edg|Edge)\/([0-9.]+)/i.exec(ua))) {
    return ['browser', 'PS', 'Microsoft Edge', short(m[1]), 'Blink', slashVersion(ua, 'Chrome') ?? clean(m[1])];
  }
  if ((m = /Opera Mini\/([0-9.]+)/i.exec(ua))) return ['browser', 'OI', 'Opera Mini', short(m[1]), 'Presto', slashVersion(ua, 'Presto')];
  if ((m = /(?:OPR|Opera)\/([0-9.]+)/i.exec(ua))) {
    const mobile = has(ua, 'Mobile') || has(ua, 'Opera Mobi');
    return ['browser', mobile ? 'OM' : 'OP', mobile ? 'Opera Mobile' : 'Opera', short(m[1]), 'Blink', slashVersion(ua, 'Chrome') ?? clean(m[1])];
  }
  if ((m = /SamsungBrowser\/([0-9.]+)/i.exec(ua))) {
    return ['browser', 'SB', 'Samsung Browser', short(m[1]), 'Blink', slashVersion(ua, 'Chrome') ?? clean(m[1])];
  }
  if ((m = /CriOS\/([0-9.]+)/i.exec(ua))) return ['browser', 'CI', 'Chrome Mobile iOS', short(m[1]), 'WebKit', slashVersion(ua, 'AppleWebKit')];
  if ((m = /FxiOS\/([0-9.]+)/i.exec(ua))) return ['browser', 'F1', 'Firefox Mobile iOS', short(m[1]), 'WebKit', slashVersion(ua, 'AppleWebKit')];
  for (const [re, code, name] of DERIVATIVES) {
    if ((m = re.exec(ua))) return derivative(ua, code, name, m[1]);
  }
  if ((m = /Focus\/([0-9.]+)/i.exec(ua)) && slashVersion(ua, 'Chrome') !== null) return derivative(ua, 'FK', 'Firefox Focus', m[1]);
  if ((m = /HuaweiBrowser\/([0-9.]+)/i.exec(ua))) {
    const mobile = has(ua, 'Mobile');
    return derivative(ua, mobile ? 'HU' : 'HP', mobile ? 'Huawei Browser Mobile' : 'Huawei Browser', m[1]);
  }
  return null;
}

function mainBrowser(ua: string): Client | null {
  let m: RegExpExecArray | null;
  if (ua.includes('; wv)') || /Version\/4\.0 Chrome\//i.test(ua)) {
    const engine = slashVersion(ua, 'Chrome');
    if (engine !== null) return ['browser', 'CV', 'Chrome Webview', short(engine), 'Blink', engine];
  }
  if ((m = /(?:Chrome|Chromium|HeadlessChrome)\/([0-9.]+)/i.exec(ua))) {
    const mobile = isMobile(ua);
    return ['browser', mobile ? 'CM' : 'CH', mobile ? 'Chrome Mobile' : 'Chrome', short(m[1]), 'Blink', clean(m[1])];
  }
  if ((m = /Firefox\/([0-9.]+)/i.exec(ua))) {
    const mobile = isMobile(ua);
    return ['browser', mobile ? 'FM' : 'FF', mobile ? 'Firefox Mobile' : 'Firefox', short(m[1]), 'Gecko', short(m[1])];
  }
  if (has(ua, 'Safari/') && has(ua, 'AppleWebKit/')) {
    const mobile = has(ua, 'Mobile/') && /iPhone|iPad|iPod/i.test(ua);
    return ['browser', mobile ? 'MF' : 'SF', mobile ? 'Mobile Safari' : 'Safari', slashVersion(ua, 'Version'), 'WebKit', slashVersion(ua, 'AppleWebKit')];
  }
  if ((m = /(?:MSIE |Trident\/.*?rv:)([0-9.]+)/i.exec(ua))) {
    return ['browser', 'IE', 'Internet Explorer', clean(m[1]), 'Trident', slashVersion(ua, 'Trident')];
  }
  return null;
}

function detectClient(ua: string): Client | null {
  // Appwrite resolves its own CLI by hand: "AppwriteCLI/<version> …" (Detector.php:41-54).
  if (ua.includes('AppwriteCLI')) return ['desktop', 'cli', 'Appwrite CLI', ua.split(' ')[0].split('/')[1] ?? ''];
  const browser = chromiumBrand(ua) ?? mainBrowser(ua);
  if (browser) return browser;
  for (const [re, name] of LIBRARIES) {
    const m = re.exec(ua);
    if (m) return ['library', '', name, short(m[1])];
  }
  return null;
}

// ---------------------------------------------------------------- device

const BRANDS: [string, (subject: string) => boolean][] = [
  ['Samsung', (s) => /\bSM-[A-Z0-9]+|Samsung/i.test(s)],
  ['Google', (s) => /\bPixel\b|Nexus/i.test(s)],
  ['Huawei', (s) => /Huawei|\bHUAWEI\b|\bANE-|\bELE-|\bVOG-/i.test(s)],
  // Upper-case HONOR, or "Honor <model>", so the word "honor" elsewhere is no brand.
  ['Honor', (s) => /\bHONOR\b/.test(s) || /\bHonor[ _-](?:[0-9]|[XV][0-9]|Play|Magic|View|Note|Pad|Tablet)|\bHLK-|\bBKL-/i.test(s)],
  ['Xiaomi', (s) => /Xiaomi|Redmi|POCO|\bMi [A-Z0-9]/i.test(s)],
  ['OnePlus', (s) => /OnePlus|\bONEPLUS\b/i.test(s)],
  ['Oppo', (s) => /\bOPPO\b|\bCPH[0-9]+/i.test(s)],
  ['Realme', (s) => /realme|\bRMX[0-9]{4}\b/i.test(s)],
  ['Vivo', (s) => /\bvivo\b|\bV[0-9]{4}/i.test(s)],
  ['Motorola', (s) => /Motorola|\bmoto\b|\bXT[0-9]{4}/i.test(s)],
  ['Asus', (s) => /\bASUS/i.test(s)],
  ['Tecno', (s) => /\bTECNO\b/i.test(s)],
  ['Infinix', (s) => /Infinix/i.test(s)],
  ['Nokia', (s) => /Nokia/i.test(s)],
  ['Sony', (s) => /Sony|Xperia/i.test(s)],
  ['HTC', (s) => /\bHTC\b/i.test(s)],
  ['Lenovo', (s) => /Lenovo/i.test(s)],
  ['ZTE', (s) => /\bZTE\b/i.test(s)],
  ['TCL', (s) => /\bTCL\b/i.test(s)],
  ['Meizu', (s) => /Meizu/i.test(s)],
  ['Fairphone', (s) => /Fairphone|\bFP[0-9]\b/i.test(s)],
  ['Alcatel', (s) => /Alcatel/i.test(s)],
  ['LG', (s) => /\bLG[- ]|\bLM-[A-Z0-9]+/i.test(s)],
  ['Amazon', (s) => /Kindle|Silk\/|\bKF[A-Z0-9]+/i.test(s)],
];
const MODEL_PATTERNS = [
  /Windows Phone[^;)]*;[^;)]*;\s*([^;)]+)/i,
  /\b(KF[A-Z0-9]{2,})\b/i,
  /BlackBerry[^;/]*\/?([A-Z0-9-]+)/i,
];
const TABLET_MODEL =
  /^(?:SM-[TX]|GT-P|Nexus (?:7|9|10)\b|Pixel (?:C|Tablet)\b|(?:Lenovo )?(?:TB-|YT-|Tab\b)|(?:Huawei )?MediaPad\b|(?:Xiaomi |Redmi |OnePlus )?Pad\b)/i;

/** Where the `;` or `)` that ends the segment starting at `from` is, or -1. */
function segmentEnd(ua: string, from: number): number {
  for (let i = from; i < ua.length; i++) {
    const c = ua.charCodeAt(i);
    if (c === 0x3b || c === 0x29) return i;
  }
  return -1;
}

const LOCALE_SEGMENT = /^\s*[a-z]{2}(?:[-_][a-z]{2})?$/i;
const BUILD_SUFFIX = /\sBuild\//i;

/** The model in a closed segment ("Pixel 7 Pro Build/TQ3A" → "Pixel 7 Pro"); "" when it is blank. */
function modelOf(segment: string): string {
  const text = segment.trimStart();
  const build = BUILD_SUFFIX.exec(text.slice(1));
  return (build ? text.slice(0, build.index + 1) : text).trim();
}

/** The model segment from `start`, after an optional "<locale>;" segment; null when it is empty or never closed. */
function modelAfter(ua: string, start: number): string | null {
  const end = segmentEnd(ua, start);
  if (end === -1) return null;
  if (ua[end] === ';' && LOCALE_SEGMENT.test(ua.slice(start, end))) {
    const next = segmentEnd(ua, end + 1);
    if (next > end + 1) return modelOf(ua.slice(end + 1, next));
  }
  return end > start ? modelOf(ua.slice(start, end)) : null;
}

/**
 * The model in "(Linux; Android 13; [en-us;] Pixel 7 Pro Build/…)", walked segment by segment in one
 * pass. The regex this replaces backtracked over runs of spaces (security review, finding 1): a 1 KB
 * agent held the event loop for seconds.
 */
export function androidModel(ua: string): string | null {
  const android = /android/gi;
  for (let m = android.exec(ua); m; m = android.exec(ua)) {
    const versionEnd = segmentEnd(ua, m.index + 7);
    if (versionEnd === -1) return null;
    const model = ua[versionEnd] === ';' ? modelAfter(ua, versionEnd + 1) : null;
    if (model !== null) return model;
    // Any other "Android" before this terminator would end at it too.
    android.lastIndex = versionEnd + 1;
  }
  return null;
}

function deviceModel(ua: string): string | null {
  const android = androidModel(ua)?.trim();
  if (android && android.toLowerCase() !== 'wv') return android;
  for (const re of MODEL_PATTERNS) {
    const model = re.exec(ua)?.[1]?.trim();
    if (model && model.toLowerCase() !== 'wv') return model;
  }
  return null;
}

const brandOf = (ua: string, model: string | null = null) => BRANDS.find(([, test]) => test(`${model ?? ''} ${ua}`))?.[0] ?? null;

function televisionBrand(ua: string): string | null {
  if (/web0S|webOS|NetCast|\bLG\b/i.test(ua)) return 'LG';
  if (/BRAVIA/i.test(ua)) return 'Sony';
  if (/Tizen/i.test(ua)) return 'Samsung';
  return brandOf(ua);
}

function detectDevice(ua: string): Device | null {
  let m: RegExpExecArray | null;
  if ((m = /Xbox(?: One| Series [XS])?/i.exec(ua))) return ['console', 'Microsoft', m[0]];
  if ((m = /PlayStation(?: Vita| [345])/i.exec(ua))) return ['console', 'Sony', m[0]];
  if ((m = /Nintendo (?:Switch|WiiU?|3DS)/i.exec(ua))) return ['console', 'Nintendo', m[0]];
  if (has(ua, 'AppleTV')) return ['tv', 'Apple', 'Apple TV'];
  if (/Smart-?TV|SMARTTV|HbbTV|GoogleTV|Android TV|BRAVIA|NetCast|Tizen TV|web0S|webOS/i.test(ua)) return ['tv', televisionBrand(ua)];
  if (has(ua, 'iPad')) return ['tablet', 'Apple', 'iPad'];
  if (has(ua, 'iPhone')) return ['smartphone', 'Apple', 'iPhone'];
  if (has(ua, 'iPod')) return ['portable media player', 'Apple', 'iPod'];
  if (has(ua, 'Watch') && has(ua, 'Apple')) return ['wearable', 'Apple', 'Apple Watch'];
  if (has(ua, 'Windows Phone')) return ['smartphone', 'Microsoft', deviceModel(ua)];
  if (/Kindle|Silk\/|KF[A-Z0-9]+/i.test(ua)) return ['tablet', 'Amazon', deviceModel(ua)];
  if (has(ua, 'Android')) {
    const model = deviceModel(ua);
    const tablet = !has(ua, 'Mobile') || (model !== null && TABLET_MODEL.test(model));
    return [tablet ? 'tablet' : 'smartphone', brandOf(ua, model), model];
  }
  if (/BlackBerry|BB10/i.test(ua)) return ['smartphone', 'BlackBerry', deviceModel(ua)];
  if (/Windows NT|Macintosh|X11|CrOS|Linux x86_64|Linux i[3-6]86/i.test(ua)) return ['desktop', has(ua, 'Macintosh') ? 'Apple' : null];
  return null;
}

// ---------------------------------------------------------------- result

/**
 * Only the first 512 characters are read. Browsers' agents are 100-300 characters and the longest
 * in-app ones (Facebook, Instagram) under 500, and every token the rules look for sits in the first
 * part; the bound keeps each of the ~100 linear scans under a few microseconds whatever is sent.
 */
export const MAX_PARSED_LENGTH = 512;
const CACHE_LIMIT = 512;
const cache = new Map<string, DeviceInfo>();

/** The device fields of an agent, cached (session lists read the same few agents again and again). */
export function parseUserAgent(agent: string): DeviceInfo {
  const ua = agent.length > MAX_PARSED_LENGTH ? agent.slice(0, MAX_PARSED_LENGTH) : agent;
  const hit = cache.get(ua);
  if (hit) return { ...hit };
  const info = readUserAgent(ua);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ua, info);
  return { ...info };
}

/** The device fields of an agent, without the cache (the property tests time this). */
export function readUserAgent(agent: string): DeviceInfo {
  const ua = agent.length > MAX_PARSED_LENGTH ? agent.slice(0, MAX_PARSED_LENGTH) : agent;
  const [osCode = '', osName = '', osVersion] = detectOs(ua) ?? [];
  const [clientType = '', clientCode = '', clientName = '', clientVersion, clientEngine = '', clientEngineVersion] = detectClient(ua) ?? [];
  const [deviceName, deviceBrand, deviceModelName] = detectDevice(ua) ?? [];
  return {
    osCode, osName, osVersion: osVersion ?? '',
    clientType, clientCode, clientName, clientVersion: clientVersion ?? '', clientEngine, clientEngineVersion: clientEngineVersion ?? '',
    deviceName: deviceName ?? '', deviceBrand: deviceBrand ?? '', deviceModel: deviceModelName ?? '',
  };
}
