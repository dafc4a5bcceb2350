/** `node:fs` and `node:path` in the browser build: a page has no file system; every call says so. */
import { ZmqError } from "../../errors.ts";

function none(name: string): () => never {
  return () => {
    throw new ZmqError("ENOTSUP", `${name}: there is no file system in a browser (certificates: newCertificate())`);
  };
}

export const readFileSync = none("readFileSync");
export const writeFileSync = none("writeFileSync");
export const mkdirSync = none("mkdirSync");
export const readdirSync = none("readdirSync");
export const statSync = none("statSync");
export const chmodSync = none("chmodSync");
export const existsSync = (): boolean => false;

export const join = (...parts: string[]): string => parts.join("/").replace(/\/+/g, "/");
export const dirname = (p: string): string => p.replace(/\/[^/]*$/, "") || "/";
export const resolve = join;
