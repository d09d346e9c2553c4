export declare function codeServerArgs(opts: { port: number; userDataDir: string; extensionsDir: string; folder: string; trust?: boolean }): string[];
export declare function codeServerEnv(home: string): NodeJS.ProcessEnv;
