/**
 * The certificate and key for `takt serve --tls-cert --tls-key`: read here, at start, so that a
 * missing or unreadable file stops the server with a message naming the file instead of a TLS error.
 */
import { readFileSync } from 'node:fs';

export function readTlsFiles(certFile: string | undefined, keyFile: string | undefined): { cert: Buffer; key: Buffer } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new Error(`--tls-cert and --tls-key go together: give both (the certificate and its private key, PEM), or neither for plain http on loopback`);
  }
  const read = (flag: string, file: string) => {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw new Error(`${flag} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!data.toString('latin1').includes('-----BEGIN ')) throw new Error(`${flag} ${file} is not PEM (no -----BEGIN line): give the PEM file, e.g. as written by openssl req -x509 -out`);
    return data;
  };
  return { cert: read('--tls-cert', certFile), key: read('--tls-key', keyFile) };
}
