import { ValidateIf } from 'class-validator';

/**
 * An optional field: its rules apply whenever the key is present. Unlike
 * class-validator's IsOptional, `null` is not taken for absent: it is a value,
 * refused by the field's own rules (`"code": null` → "code must be a
 * string"), so no null reaches code that only expects a value or nothing.
 */
export const IfPresent = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
