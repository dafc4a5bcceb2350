/** A test PKI made with openssl: a CA, a server certificate it signs (localhost, 127.0.0.1), another CA. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pki {
  caPem: string;
  otherCaPem: string;
  certPem: string;
  keyPem: string;
}

/** A CA, a server certificate it signs (localhost, 127.0.0.1), and an unrelated second CA. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "zocket-wss-"));
  try {
    const ssl = (...args: string[]): void => {
      execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    };
    for (const ca of ["ca", "other"]) {
      ssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=zocket test ${ca}`,
        "-keyout",
        `${ca}.key`,
        "-out",
        `${ca}.pem`,
      );
    }
    ssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    );
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    ssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
      "-out",
      "server.pem",
    );
    const read = (f: string): string => readFileSync(join(dir, f), "utf8");
    return {
      caPem: read("ca.pem"),
      otherCaPem: read("other.pem"),
      certPem: read("server.pem"),
      keyPem: read("server.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
