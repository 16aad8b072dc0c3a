import { Link } from '../router';

export default function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link href="/">Go to the console</Link>
    </>
  );
}
