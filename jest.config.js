/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type-checking is `npm run typecheck` (tsc --noEmit); ts-jest only transpiles.
  transform: { "^.+\\.ts$": ["ts-jest", {}] },
};
