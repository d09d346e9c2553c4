export declare function armFirstPaint(arg: { n: number; body: boolean; reset?: Record<string, unknown> }): void;
