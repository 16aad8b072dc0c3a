import { uniqueSlug } from '@northstar/testing';
import { chainsService } from '../../../apps/chains/src/chains.service-definition';

it('x', () => {
  expect(uniqueSlug('a') + chainsService.name).toBeTruthy();
});
