/** The device fields Appwrite shows on a session, read from the User-Agent (a small, dependency-free parser). */
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

const BROWSERS: [RegExp, string, string, string][] = [
  [/Edg\/([\d.]+)/, 'ME', 'Microsoft Edge', 'Blink'],
  [/OPR\/([\d.]+)/, 'OP', 'Opera', 'Blink'],
  [/Firefox\/([\d.]+)/, 'FF', 'Firefox', 'Gecko'],
  [/(?:Chrome|Chromium|HeadlessChrome)\/([\d.]+)/, 'CH', 'Chrome', 'Blink'],
  [/Version\/([\d.]+).*Safari\//, 'SF', 'Safari', 'WebKit'],
];
const LIBRARIES: [RegExp, string, string][] = [
  [/AppwriteNodeJSSDK\/([\d.]+)/, 'NJ', 'Node.js SDK'],
  [/node-fetch\/([\d.]+)|undici/, 'NF', 'Node Fetch'],
  [/curl\/([\d.]+)/, 'CU', 'curl'],
  [/PostmanRuntime\/([\d.]+)/, 'PO', 'Postman'],
];
const SYSTEMS: [RegExp, string, string][] = [
  [/Windows NT ([\d.]+)/, 'WIN', 'Windows'],
  [/Android ([\d.]+)/, 'AND', 'Android'],
  [/(?:iPhone|iPad).*OS ([\d_]+)/, 'IOS', 'iOS'],
  [/Mac OS X ([\d_.]+)/, 'MAC', 'Mac'],
  [/CrOS/, 'COS', 'Chrome OS'],
  [/Linux|linux/, 'LIN', 'GNU/Linux'],
  [/darwin/, 'MAC', 'Mac'],
  [/win32/, 'WIN', 'Windows'],
];

export function parseUserAgent(ua: string): DeviceInfo {
  const info: DeviceInfo = {
    osCode: '', osName: '', osVersion: '', clientType: '', clientCode: '', clientName: '', clientVersion: '',
    clientEngine: '', clientEngineVersion: '', deviceName: '', deviceBrand: '', deviceModel: '',
  };
  for (const [re, code, name] of SYSTEMS) {
    const m = ua.match(re);
    if (m) {
      Object.assign(info, { osCode: code, osName: name, osVersion: (m[1] ?? '').replace(/_/g, '.') });
      break;
    }
  }
  for (const [re, code, name] of LIBRARIES) {
    const m = ua.match(re);
    if (m) {
      Object.assign(info, { clientType: 'library', clientCode: code, clientName: name, clientVersion: m[1] ?? '', deviceName: '' });
      return info;
    }
  }
  for (const [re, code, name, engine] of BROWSERS) {
    const m = ua.match(re);
    if (m) {
      Object.assign(info, { clientType: 'browser', clientCode: code, clientName: name, clientVersion: m[1], clientEngine: engine });
      info.deviceName = /Mobile|Android|iPhone/.test(ua) ? 'smartphone' : /iPad|Tablet/.test(ua) ? 'tablet' : 'desktop';
      if (/iPhone|iPad|Macintosh/.test(ua)) info.deviceBrand = 'Apple';
      break;
    }
  }
  return info;
}
