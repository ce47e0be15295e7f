import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFlags } from "./flags.js";

const defaults = { conf: "configs", version: false, help: false, migrate: false };

describe("parseFlags", () => {
  it("defaults -conf to configs", () => {
    assert.deepEqual(parseFlags([]), defaults);
  });

  for (const argv of [["-conf", "x"], ["--conf", "x"], ["-conf=x"], ["--conf=x"]]) {
    it(`reads ${argv.join(" ")}`, () => {
      assert.deepEqual(parseFlags(argv), { ...defaults, conf: "x" });
    });
  }

  it("keeps everything after the first = in -conf=a=b", () => {
    assert.deepEqual(parseFlags(["-conf=a=b"]), { ...defaults, conf: "a=b" });
  });

  it("lets the last -conf win", () => {
    assert.deepEqual(parseFlags(["-conf", "x", "-conf", "y"]), { ...defaults, conf: "y" });
  });

  it("takes the next argument as the value even if it looks like a flag, as Go does", () => {
    assert.deepEqual(parseFlags(["-conf", "-v"]), { ...defaults, conf: "-v" });
  });

  it("refuses -conf with no value", () => {
    assert.throws(() => parseFlags(["-conf"]), { message: "flag needs an argument: -conf" });
    assert.throws(() => parseFlags(["--conf"]), { message: "flag needs an argument: -conf" });
    assert.throws(() => parseFlags(["-conf="]), { message: "flag needs an argument: -conf" });
  });

  for (const arg of ["--version", "-version", "-v"]) {
    it(`reads ${arg} as version`, () => {
      assert.deepEqual(parseFlags([arg]), { ...defaults, version: true });
    });
  }

  for (const arg of ["-h", "--help", "-help"]) {
    it(`reads ${arg} as help`, () => {
      assert.deepEqual(parseFlags([arg]), { ...defaults, help: true });
    });
  }

  it("combines flags", () => {
    assert.deepEqual(parseFlags(["-conf", "c.yaml", "-v"]), { ...defaults, conf: "c.yaml", version: true });
  });

  it("reads -migrate", () => {
    assert.deepEqual(parseFlags(["-migrate", "-conf", "c.yaml"]), { ...defaults, conf: "c.yaml", migrate: true });
  });

  it("reads -version=false as false, as Go's bool flags do", () => {
    assert.deepEqual(parseFlags(["-version=false"]), defaults);
  });

  it("refuses an unknown flag the way Go words it", () => {
    assert.throws(() => parseFlags(["-nope"]), { message: "flag provided but not defined: -nope" });
    assert.throws(() => parseFlags(["--nope"]), { message: "flag provided but not defined: -nope" });
    assert.throws(() => parseFlags(["-nope=1"]), { message: "flag provided but not defined: -nope" });
  });

  it("refuses a stray positional argument", () => {
    assert.throws(() => parseFlags(["stray"]), { message: 'unexpected argument "stray"' });
    assert.throws(() => parseFlags(["-conf", "x", "stray"]), { message: 'unexpected argument "stray"' });
    assert.throws(() => parseFlags(["-"]), { message: 'unexpected argument "-"' });
  });
});
