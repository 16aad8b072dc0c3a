import {
  displayUrl,
  nonPublicAddressKind,
  refusedAddressProblem,
  webhookUrlProblem,
  webhookUrlShapeProblem,
} from './webhook-address';

describe('nonPublicAddressKind', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('classifies IPv4 %s as %s', (address, kind) => {
    expect(nonPublicAddressKind(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '93.184.216.34',
  ])('lets the public IPv4 address %s through', (address) => {
    expect(nonPublicAddressKind(address)).toBeNull();
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'site-local'],
  ])('classifies IPv6 %s as %s', (address, kind) => {
    expect(nonPublicAddressKind(address)).toBe(kind);
  });

  it('judges IPv6 forms that carry an IPv4 address by that address', () => {
    expect(nonPublicAddressKind('::ffff:127.0.0.1')).toBe('loopback');
    expect(nonPublicAddressKind('::ffff:7f00:1')).toBe('loopback');
    expect(nonPublicAddressKind('::FFFF:10.0.0.1')).toBe('private');
    expect(nonPublicAddressKind('::ffff:a9fe:a9fe')).toBe('link-local');
    expect(nonPublicAddressKind('0:0:0:0:0:ffff:192.168.0.1')).toBe('private');
    expect(nonPublicAddressKind('64:ff9b::10.0.0.1')).toBe('private');
    expect(nonPublicAddressKind('2002:7f00:1::')).toBe('loopback');
    expect(nonPublicAddressKind('::127.0.0.1')).toBe('loopback');
    expect(nonPublicAddressKind('::ffff:8.8.8.8')).toBeNull();
    expect(nonPublicAddressKind('64:ff9b::8.8.8.8')).toBeNull();
  });

  it.each(['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:82b::200e'])(
    'lets the public IPv6 address %s through',
    (address) => {
      expect(nonPublicAddressKind(address)).toBeNull();
    },
  );

  it('treats what is not an address as not public', () => {
    expect(nonPublicAddressKind('example.com')).toBe('invalid');
  });
});

describe('webhook URLs', () => {
  it('accepts http and https URLs with a host', () => {
    expect(webhookUrlShapeProblem('https://hooks.example.com/northstar?token=abc')).toBeNull();
    expect(webhookUrlShapeProblem('http://203.0.114.7:8080/in')).toBeNull();
  });

  it('refuses other schemes, credentials and what is not a URL', () => {
    expect(webhookUrlShapeProblem('ftp://example.com/x')).toBe('the URL must be http or https');
    expect(webhookUrlShapeProblem('file:///etc/passwd')).toBe('the URL must be http or https');
    expect(webhookUrlShapeProblem('https://user:pass@example.com/')).toMatch(/must not contain credentials/);
    expect(webhookUrlShapeProblem('https://token@example.com/')).toMatch(/must not contain credentials/);
    expect(webhookUrlShapeProblem('/relative/path')).toBe('the URL is not a valid absolute URL');
    expect(webhookUrlShapeProblem(`https://example.com/${'a'.repeat(2100)}`)).toMatch(/longer than/);
  });

  it('refuses address literals in every spelling the URL parser normalises', async () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd00::5]:8443/',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      expect(await webhookUrlProblem(url, false)).toMatch(
        /address; webhooks may only target public addresses$/,
      );
    }
    expect(await webhookUrlProblem('http://8.8.8.8/', false)).toBeNull();
    expect(await webhookUrlProblem('http://[::1]/', true)).toBeNull();
    expect(await webhookUrlProblem('gopher://8.8.8.8/', true)).toBe('the URL must be http or https');
  });

  it('says a host resolves to a non-public address without naming the address or its kind', () => {
    const problem = refusedAddressProblem('hooks.example.com', ['8.8.8.8', '10.0.0.7']);
    expect(problem).toBe(
      'the host resolves to a private or reserved address; webhooks may only target public addresses',
    );
    expect(problem).not.toMatch(/10\.0\.0\.7|hooks\.example\.com|private address/);
    expect(refusedAddressProblem('127.0.0.1', ['127.0.0.1'])).toBe(
      'the host is a private or reserved address; webhooks may only target public addresses',
    );
    expect(refusedAddressProblem('hooks.example.com', ['8.8.8.8', '2606:4700:4700::1111'])).toBeNull();
  });

  it('shows a target without its query string', () => {
    expect(displayUrl('https://hooks.example.com:8443/in/abc?token=secret#x')).toBe(
      'https://hooks.example.com:8443/in/abc',
    );
    expect(displayUrl('not a url?token=secret')).toBe('not a url');
  });
});
