export declare const CSP: string;
