// Registers aws-sdk-client-mock-vitest's matchers (toHaveReceivedCommandWith…): importing
// 'extend' runs expect.extend(allCustomMatcherWithAliases) and brings its type declarations.
import 'aws-sdk-client-mock-vitest/extend';
